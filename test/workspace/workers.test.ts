import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Git, gitRunner } from '../../src/git/index.js';
import type { HookContext } from '../../src/hooks/env.js';
import { WorkerWorkspaces } from '../../src/workspace/workers.js';
import { commitFile, git, makeRepo, testEnv, type TempRepo } from '../merge/repo.js';

let temp: TempRepo;
let hookCalls: { hook: string; context: HookContext; existed: boolean }[];

beforeEach(() => {
  temp = makeRepo({ 'README.md': 'hello\n', '.gitignore': 'node_modules/\n' });
  hookCalls = [];
});
afterEach(() => temp.cleanup());

function workers(options: { failCreate?: boolean; copy?: (dir: string) => void } = {}): WorkerWorkspaces {
  return new WorkerWorkspaces({
    git: new Git(temp.repo, gitRunner(testEnv())),
    workersDir: join(temp.repo, '.harness', 'workers'),
    baseBranch: 'main',
    copyFiles: options.copy ?? (() => {}),
    hooks: {
      afterCreate: async (context) => {
        hookCalls.push({ hook: 'afterCreate', context, existed: existsSync(context.workspace) });
        if (options.failCreate) throw new Error('afterCreate failed');
      },
      beforeRemove: async (context) => {
        hookCalls.push({ hook: 'beforeRemove', context, existed: existsSync(context.workspace) });
      },
    },
  });
}

const request = (issueId: string, workerId = 'worker-1', attempt = 1) => ({ issueId, workerId, sessionId: `${issueId}-${attempt}`, attempt });

describe('worker workspaces', () => {
  it('keeps one worktree per worker and resets it onto each issue’s branch, keeping ignored files', async () => {
    const spaces = workers();
    const a = await spaces.prepare('A', request('A'));
    expect(a).toEqual({ path: join(temp.repo, '.harness', 'workers', 'worker-1'), branch: 'harness/A' });
    expect(git(a.path, 'branch', '--show-current')).toBe('harness/A');
    // Issue A's session: a commit, an untracked leftover, an edit it did not commit, and what setup installed (ignored).
    commitFile(a.path, 'a.txt', 'A\n', 'A: edit');
    writeFileSync(join(a.path, 'scratch.txt'), 'left by A\n');
    writeFileSync(join(a.path, 'README.md'), 'half-done edit\n');
    mkdirSync(join(a.path, 'node_modules'));
    writeFileSync(join(a.path, 'node_modules', 'dep.js'), '');
    await spaces.release(request('A'));
    // Let go of: the merge queue may delete (or restart) A's branch now.
    expect(git(temp.repo, 'branch', '-D', 'harness/A')).toContain('Deleted branch harness/A');

    const b = await spaces.prepare('B', request('B'));
    expect(b.path).toBe(a.path);
    expect(git(b.path, 'branch', '--show-current')).toBe('harness/B');
    expect(git(b.path, 'rev-parse', 'HEAD')).toBe(git(temp.repo, 'rev-parse', 'main'));
    expect(existsSync(join(b.path, 'scratch.txt'))).toBe(false);
    expect(existsSync(join(b.path, 'a.txt'))).toBe(false);
    expect(readFileSync(join(b.path, 'README.md'), 'utf8')).toBe('hello\n');
    expect(existsSync(join(b.path, 'node_modules', 'dep.js'))).toBe(true);
    expect(hookCalls.map((c) => c.hook)).toEqual(['afterCreate']);
    expect(hookCalls[0]?.context).toEqual({ workspace: a.path, workerId: 'worker-1', issue: { id: 'A' }, sessionId: 'A-1', attempt: 1 });
  });

  it('gives a retried issue its branch back, with its commits, on whichever worker takes it', async () => {
    const spaces = workers();
    const first = await spaces.prepare('A', request('A', 'worker-1'));
    const commit = commitFile(first.path, 'a.txt', 'A\n', 'A: first try');
    await spaces.release(request('A', 'worker-1'));
    const retry = await spaces.prepare('A', request('A', 'worker-2', 2));
    expect(retry.path).not.toBe(first.path);
    expect(git(retry.path, 'rev-parse', 'HEAD')).toBe(commit);
    expect(readFileSync(join(retry.path, 'a.txt'), 'utf8')).toBe('A\n');
  });

  it('takes the branch over from a worker whose session was stopped before it started', async () => {
    const spaces = workers();
    // Prepared, then the session was stopped before its agent ran: nothing let go of the branch.
    const stopped = await spaces.prepare('A', request('A', 'worker-1'));
    const retry = await spaces.prepare('A', request('A', 'worker-2', 2));
    expect(git(retry.path, 'branch', '--show-current')).toBe('harness/A');
    expect(git(stopped.path, 'branch', '--show-current')).toBe('');
  });

  it('starts each new branch from the target as it is then', async () => {
    const spaces = workers();
    await spaces.prepare('A', request('A'));
    await spaces.release(request('A'));
    const landed = commitFile(temp.repo, 'landed.txt', 'x\n', 'landed meanwhile');
    const b = await spaces.prepare('B', request('B'));
    expect(git(b.path, 'rev-parse', 'HEAD')).toBe(landed);
  });

  it('copies workspace.copy files again after each reset', async () => {
    const spaces = workers({ copy: (dir) => writeFileSync(join(dir, '.env'), 'SECRET=1\n') });
    const a = await spaces.prepare('A', request('A'));
    await spaces.release(request('A'));
    await spaces.prepare('B', request('B'));
    expect(readFileSync(join(a.path, '.env'), 'utf8')).toBe('SECRET=1\n');
  });

  it('removes a retiring worker’s worktree after beforeRemove, and the rest when the run closes', async () => {
    const spaces = workers();
    const one = await spaces.prepare('A', request('A', 'worker-1'));
    const two = await spaces.prepare('B', request('B', 'worker-2'));
    await spaces.release(request('A', 'worker-1'));
    spaces.retire('worker-1');
    await spaces.release(request('B', 'worker-2'));
    await spaces.close();
    expect(existsSync(one.path)).toBe(false);
    expect(existsSync(two.path)).toBe(false);
    expect(hookCalls.filter((c) => c.hook === 'beforeRemove').map((c) => [c.context.workerId, c.existed])).toEqual([
      ['worker-1', true],
      ['worker-2', true],
    ]);
    expect(git(temp.repo, 'worktree', 'list').split('\n')).toHaveLength(1);
    // The branches stay for the merge queue.
    expect(git(temp.repo, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/harness/')).toBe('harness/A\nharness/B');
  });

  it('removes what a harness that died left, even with a branch checked out and uncommitted changes', async () => {
    const dead = workers();
    const left = await dead.prepare('A', request('A', 'worker-7'));
    writeFileSync(join(left.path, 'README.md'), 'mid-session\n');
    mkdirSync(join(temp.repo, '.harness', 'workers', 'worker-8'));
    const next = workers();
    await next.recover();
    expect(existsSync(left.path)).toBe(false);
    expect(existsSync(join(temp.repo, '.harness', 'workers', 'worker-8'))).toBe(false);
    expect(hookCalls.filter((c) => c.hook === 'beforeRemove').map((c) => c.context.workerId).sort()).toEqual(['worker-7', 'worker-8']);
    // The branch is free again: the merge queue or a retry may use it.
    expect(git(temp.repo, 'worktree', 'list').split('\n')).toHaveLength(1);
    expect((await next.prepare('A', request('A', 'worker-9'))).branch).toBe('harness/A');
  });

  it('fails the preparation when afterCreate fails, leaving no worktree behind', async () => {
    const spaces = workers({ failCreate: true });
    await expect(spaces.prepare('A', request('A'))).rejects.toThrow('afterCreate failed');
    expect(existsSync(join(temp.repo, '.harness', 'workers', 'worker-1'))).toBe(false);
    expect(git(temp.repo, 'worktree', 'list').split('\n')).toHaveLength(1);
  });
});
