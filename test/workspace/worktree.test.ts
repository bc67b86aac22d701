import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

function manager(): WorktreeManager {
  return new WorktreeManager({ repoDir: repo, worktreesDir: '.harness/worktrees' });
}

describe('WorktreeManager', () => {
  it('creates a worktree on harness/<id> from the current branch', () => {
    const worktrees = manager();
    expect(worktrees.baseBranch).toBe('main');
    const prepared = worktrees.prepare('BD-1');
    expect(prepared).toEqual({ path: join(repo, '.harness/worktrees/BD-1'), branch: 'harness/BD-1', reused: false });
    expect(git(prepared.path, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('harness/BD-1');
    expect(existsSync(join(prepared.path, 'README.md'))).toBe(true);
    // The main checkout does not see issue worktrees as untracked files.
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  it('reuses an existing worktree, keeping its uncommitted work', () => {
    const worktrees = manager();
    const first = worktrees.prepare('BD-1');
    writeFileSync(join(first.path, 'draft.txt'), 'in progress');
    const second = worktrees.prepare('BD-1');
    expect(second).toEqual({ ...first, reused: true });
    expect(existsSync(join(second.path, 'draft.txt'))).toBe(true);
  });

  it('counts commits ahead of the base branch', () => {
    const worktrees = manager();
    expect(worktrees.commitsAhead('BD-1')).toBe(0);
    const { path } = worktrees.prepare('BD-1');
    expect(worktrees.commitsAhead('BD-1')).toBe(0);
    commit(path, 'fix.txt', 'fixed\n');
    commit(path, 'test.txt', 'tested\n');
    expect(worktrees.commitsAhead('BD-1')).toBe(2);
    commit(repo, 'other.txt', 'unrelated\n');
    expect(worktrees.commitsAhead('BD-1')).toBe(2);
  });

  it('continues an existing branch when the worktree was removed', () => {
    const worktrees = manager();
    const { path } = worktrees.prepare('BD-1');
    commit(path, 'fix.txt', 'fixed\n');
    worktrees.remove('BD-1', { deleteBranch: false });
    expect(existsSync(path)).toBe(false);
    const again = worktrees.prepare('BD-1');
    expect(again.reused).toBe(false);
    expect(existsSync(join(again.path, 'fix.txt'))).toBe(true);
    expect(worktrees.commitsAhead('BD-1')).toBe(1);
  });

  it('recovers from a worktree directory deleted behind git’s back', () => {
    const worktrees = manager();
    const { path } = worktrees.prepare('BD-1');
    rmSync(path, { recursive: true, force: true });
    expect(worktrees.prepare('BD-1').reused).toBe(false);
    expect(existsSync(join(path, 'README.md'))).toBe(true);
  });

  it('removes the worktree and, when asked, the branch', () => {
    const worktrees = manager();
    const { path } = worktrees.prepare('BD-1');
    writeFileSync(join(path, 'dirty.txt'), 'uncommitted');
    worktrees.remove('BD-1', { deleteBranch: true });
    expect(existsSync(path)).toBe(false);
    expect(worktrees.list()).toEqual([]);
    expect(git(repo, 'branch', '--list', 'harness/*').trim()).toBe('');
    expect(() => worktrees.remove('BD-1', { deleteBranch: true })).not.toThrow();
  });

  it('lists only issue worktrees', () => {
    const worktrees = manager();
    worktrees.prepare('BD-1');
    worktrees.prepare('BD-2');
    expect(worktrees.list().map((w) => w.branch).sort()).toEqual(['harness/BD-1', 'harness/BD-2']);
  });

  it.each(['../escape', 'a/b', 'a b', 'ünïcødé', '-x', 'x.lock', '@{u}', '~^:?*[\\', '$(touch pwned)'])(
    'keeps the hostile id %j inside worktreesDir',
    (id) => {
      const worktrees = manager();
      const prepared = worktrees.prepare(id);
      expect(prepared.path.startsWith(join(repo, '.harness/worktrees') + '/')).toBe(true);
      expect(git(prepared.path, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe(prepared.branch);
      expect(worktrees.prepare(id).reused).toBe(true);
      expect(existsSync(join(root, 'escape'))).toBe(false);
      expect(existsSync(join(repo, 'pwned'))).toBe(false);
    },
  );

  it('explains that a git repository is needed', () => {
    const plain = join(root, 'plain');
    execFileSync('mkdir', [plain]);
    expect(() => new WorktreeManager({ repoDir: plain, worktreesDir: 'wt' })).toThrow(WorktreeError);
    expect(() => new WorktreeManager({ repoDir: plain, worktreesDir: 'wt' })).toThrow(
      `--worktrees needs a git repository with at least one commit: ${plain}`,
    );
  });

  it('explains that a first commit is needed', () => {
    const empty = join(root, 'empty');
    execFileSync('git', ['init', '-q', empty], { env: gitEnv });
    expect(() => new WorktreeManager({ repoDir: empty, worktreesDir: 'wt' })).toThrow(/no commits yet/);
  });

  it('bootstraps new worktrees only, and removes one whose bootstrap failed so the next prepare tries again', () => {
    const seen: string[] = [];
    let failNext = true;
    const worktrees = new WorktreeManager({
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
    expect(() => worktrees.prepare('BD-1')).toThrow('copy failed');
    expect(worktrees.list()).toEqual([]);
    const prepared = worktrees.prepare('BD-1');
    expect(existsSync(join(prepared.path, '.env'))).toBe(true);
    expect(worktrees.prepare('BD-1').reused).toBe(true);
    expect(seen).toEqual(['harness/BD-1 false', 'harness/BD-1 false']);
  });

  it('runs git through the injected runner', () => {
    const calls: string[][] = [];
    const worktrees = new WorktreeManager({
      repoDir: repo,
      worktreesDir: 'wt',
      baseBranch: 'main',
      run: (args, cwd) => {
        calls.push(args);
        return { stdout: execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }) };
      },
    });
    worktrees.prepare('BD-9');
    expect(calls.some((args) => args.join(' ').startsWith('worktree add -b harness/BD-9'))).toBe(true);
  });
});
