import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gitRunner } from '../../src/git/index.js';
import { WorktreeError, WorktreeManager } from '../../src/workspace/worktree.js';

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function commit(cwd: string, file: string, text: string): void {
  writeFileSync(join(cwd, file), text);
  git(cwd, 'add', file);
  git(cwd, 'commit', '-q', '-m', `add ${file}`);
}

let root: string;
let repo: string;
beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'harness-wt-')));
  repo = join(root, 'repo');
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: gitEnv });
  commit(repo, 'README.md', 'hello\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function manager(): Promise<WorktreeManager> {
  return WorktreeManager.open({ repoDir: repo, worktreesDir: '.harness/worktrees' });
}

describe('WorktreeManager', () => {
  it('creates a worktree on harness/<id> from the current branch', async () => {
    const worktrees = await manager();
    expect(worktrees.baseBranch).toBe('main');
    const prepared = await worktrees.prepare('BD-1');
    expect(prepared).toEqual({ path: join(repo, '.harness/worktrees/BD-1'), branch: 'harness/BD-1', reused: false });
    expect(git(prepared.path, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('harness/BD-1');
    expect(existsSync(join(prepared.path, 'README.md'))).toBe(true);
    // The main checkout does not see issue worktrees as untracked files.
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  it('reuses an existing worktree, keeping its uncommitted work', async () => {
    const worktrees = await manager();
    const first = await worktrees.prepare('BD-1');
    writeFileSync(join(first.path, 'draft.txt'), 'in progress');
    const second = await worktrees.prepare('BD-1');
    expect(second).toEqual({ ...first, reused: true });
    expect(existsSync(join(second.path, 'draft.txt'))).toBe(true);
  });

  it('counts commits ahead of the base branch', async () => {
    const worktrees = await manager();
    expect(await worktrees.commitsAhead('BD-1')).toBe(0);
    const { path } = await worktrees.prepare('BD-1');
    expect(await worktrees.commitsAhead('BD-1')).toBe(0);
    commit(path, 'fix.txt', 'fixed\n');
    commit(path, 'test.txt', 'tested\n');
    expect(await worktrees.commitsAhead('BD-1')).toBe(2);
    commit(repo, 'other.txt', 'unrelated\n');
    expect(await worktrees.commitsAhead('BD-1')).toBe(2);
  });

  it('continues an existing branch when the worktree was removed', async () => {
    const worktrees = await manager();
    const { path } = await worktrees.prepare('BD-1');
    commit(path, 'fix.txt', 'fixed\n');
    await worktrees.remove('BD-1', { deleteBranch: false });
    expect(existsSync(path)).toBe(false);
    const again = await worktrees.prepare('BD-1');
    expect(again.reused).toBe(false);
    expect(existsSync(join(again.path, 'fix.txt'))).toBe(true);
    expect(await worktrees.commitsAhead('BD-1')).toBe(1);
  });

  it('recovers from a worktree directory deleted behind git’s back', async () => {
    const worktrees = await manager();
    const { path } = await worktrees.prepare('BD-1');
    rmSync(path, { recursive: true, force: true });
    expect((await worktrees.prepare('BD-1')).reused).toBe(false);
    expect(existsSync(join(path, 'README.md'))).toBe(true);
  });

  it('removes the worktree and, when asked, the branch', async () => {
    const worktrees = await manager();
    const { path } = await worktrees.prepare('BD-1');
    writeFileSync(join(path, 'dirty.txt'), 'uncommitted');
    await worktrees.remove('BD-1', { deleteBranch: true });
    expect(existsSync(path)).toBe(false);
    expect(await worktrees.list()).toEqual([]);
    expect(git(repo, 'branch', '--list', 'harness/*').trim()).toBe('');
    await expect(worktrees.remove('BD-1', { deleteBranch: true })).resolves.toBeUndefined();
  });

  it('lists only issue worktrees', async () => {
    const worktrees = await manager();
    await worktrees.prepare('BD-1');
    await worktrees.prepare('BD-2');
    expect((await worktrees.list()).map((w) => w.branch).sort()).toEqual(['harness/BD-1', 'harness/BD-2']);
  });

  it.each(['../escape', 'a/b', 'a b', 'ünïcødé', '-x', 'x.lock', '@{u}', '~^:?*[\\', '$(touch pwned)'])(
    'keeps the hostile id %j inside worktreesDir',
    async (id) => {
      const worktrees = await manager();
      const prepared = await worktrees.prepare(id);
      expect(prepared.path.startsWith(join(repo, '.harness/worktrees') + '/')).toBe(true);
      expect(git(prepared.path, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe(prepared.branch);
      expect((await worktrees.prepare(id)).reused).toBe(true);
      expect(existsSync(join(root, 'escape'))).toBe(false);
      expect(existsSync(join(repo, 'pwned'))).toBe(false);
    },
  );

  it('explains that a git repository is needed', async () => {
    const plain = join(root, 'plain');
    execFileSync('mkdir', [plain]);
    await expect(WorktreeManager.open({ repoDir: plain, worktreesDir: 'wt' })).rejects.toThrow(WorktreeError);
    await expect(WorktreeManager.open({ repoDir: plain, worktreesDir: 'wt' })).rejects.toThrow(
      `--worktrees needs a git repository with at least one commit: ${plain}`,
    );
  });

  it('explains that a first commit is needed', async () => {
    const empty = join(root, 'empty');
    execFileSync('git', ['init', '-q', empty], { env: gitEnv });
    await expect(WorktreeManager.open({ repoDir: empty, worktreesDir: 'wt' })).rejects.toThrow(/no commits yet/);
  });

  it('bootstraps new worktrees only, and removes one whose bootstrap failed so the next prepare tries again', async () => {
    const seen: string[] = [];
    let failNext = true;
    const worktrees = await WorktreeManager.open({
      repoDir: repo,
      worktreesDir: '.harness/worktrees',
      bootstrap: (worktree) => {
        seen.push(`${worktree.branch} ${worktree.reused}`);
        if (failNext) {
          failNext = false;
          throw new Error('copy failed');
        }
        writeFileSync(join(worktree.path, '.env'), 'X=1\n');
      },
    });
    await expect(worktrees.prepare('BD-1')).rejects.toThrow('copy failed');
    expect(await worktrees.list()).toEqual([]);
    const prepared = await worktrees.prepare('BD-1');
    expect(existsSync(join(prepared.path, '.env'))).toBe(true);
    expect((await worktrees.prepare('BD-1')).reused).toBe(true);
    expect(seen).toEqual(['harness/BD-1 false', 'harness/BD-1 false']);
  });

  it('runs git through the injected runner', async () => {
    const calls: string[][] = [];
    const real = gitRunner();
    const worktrees = await WorktreeManager.open({
      repoDir: repo,
      worktreesDir: 'wt',
      baseBranch: 'main',
      run: (args, cwd) => {
        calls.push([...args]);
        return real(args, cwd);
      },
    });
    await worktrees.prepare('BD-9');
    expect(calls.some((args) => args.join(' ') === 'branch harness/BD-9 main' || args.join(' ').startsWith('branch harness/BD-9 '))).toBe(true);
    expect(calls.some((args) => args.join(' ').startsWith('worktree add ') && args.at(-1) === 'harness/BD-9')).toBe(true);
  });
});
