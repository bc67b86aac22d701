import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Git, gitRunner } from '../../src/git/index.js';
import { MergeWorktree } from '../../src/merge/merge-worktree.js';
import { applyBranch } from '../../src/merge/strategy.js';
import type { MergeStrategy } from '../../src/config/types.js';
import { commitFile, git, makeRepo, testEnv, type TempRepo } from './repo.js';

let temp: TempRepo;
let base: string;
let tree: MergeWorktree;
let runner: Git;

/** A branch from main's first commit with one commit writing `file`. */
function branch(name: string, file: string, text: string): string {
  git(temp.repo, 'branch', name, base);
  git(temp.repo, 'checkout', '-q', name);
  const commit = commitFile(temp.repo, file, text, `${name}: ${file}`);
  git(temp.repo, 'checkout', '-q', 'main');
  return commit;
}

beforeEach(async () => {
  temp = makeRepo({ 'README.md': 'hello\n', 'shared.txt': 'one\ntwo\n' });
  base = git(temp.repo, 'rev-parse', 'HEAD');
  runner = new Git(temp.repo, gitRunner(testEnv()));
  tree = new MergeWorktree(runner, join(temp.repo, '.harness', 'merge'));
  await tree.reset(base, { deep: false });
});
afterEach(() => temp.cleanup());

const change = (commit: string, name: string) => ({ commit, branch: name, issueId: name.toUpperCase(), title: `fix ${name}` });

describe('applyBranch', () => {
  it.each<[MergeStrategy, number]>([
    ['rebase', 2],
    // Each branch's own commit and a merge commit for each.
    ['merge', 4],
    ['squash', 2],
  ])('%s stacks two branches on the target, keeping both changes', async (strategy, extraCommits) => {
    const a = branch('a', 'a.txt', 'from a\n');
    const b = branch('b', 'b.txt', 'from b\n');
    const first = await applyBranch(runner, tree.path, strategy, change(a, 'a'));
    const second = await applyBranch(runner, tree.path, strategy, change(b, 'b'));
    expect(first.kind).toBe('applied');
    expect(second.kind).toBe('applied');
    const head = second.kind === 'applied' ? second.head : '';
    expect(git(tree.path, 'show', `${head}:a.txt`)).toBe('from a');
    expect(git(tree.path, 'show', `${head}:b.txt`)).toBe('from b');
    expect(Number(git(tree.path, 'rev-list', '--count', `${base}..${head}`))).toBe(extraCommits);
    // Nothing anyone has checked out moved.
    expect(git(temp.repo, 'rev-parse', 'main')).toBe(base);
    expect(git(temp.repo, 'rev-parse', 'b')).toBe(b);
  });

  it('rebase lands a branch already on the target as it is (a fast-forward)', async () => {
    const a = branch('a', 'a.txt', 'from a\n');
    expect(await applyBranch(runner, tree.path, 'rebase', change(a, 'a'))).toEqual({ kind: 'applied', head: a });
  });

  it('squash writes one commit titled after the issue', async () => {
    const a = branch('a', 'a.txt', 'from a\n');
    const applied = await applyBranch(runner, tree.path, 'squash', change(a, 'a'));
    expect(applied.kind).toBe('applied');
    expect(git(tree.path, 'log', '-1', '--format=%s')).toBe('fix a (A)');
  });

  it.each<MergeStrategy>(['rebase', 'merge', 'squash'])('%s reports the conflicting files and leaves no operation in progress', async (strategy) => {
    const a = branch('a', 'shared.txt', 'one from a\ntwo\n');
    const b = branch('b', 'shared.txt', 'one from b\ntwo\n');
    expect((await applyBranch(runner, tree.path, strategy, change(a, 'a'))).kind).toBe('applied');
    expect(await applyBranch(runner, tree.path, strategy, change(b, 'b'))).toEqual({ kind: 'conflict', files: ['shared.txt'] });
    expect(await runner.conflictedFiles(tree.path)).toEqual([]);
    // The reset the merger does next leaves the tree clean at the last good commit.
    await tree.checkout(base);
    expect(git(tree.path, 'status', '--porcelain')).toBe('');
  });

  it('squash of changes the target already has commits nothing', async () => {
    const a = branch('a', 'a.txt', 'from a\n');
    await applyBranch(runner, tree.path, 'squash', change(a, 'a'));
    const head = git(tree.path, 'rev-parse', 'HEAD');
    expect(await applyBranch(runner, tree.path, 'squash', change(a, 'a'))).toEqual({ kind: 'applied', head });
  });
});

describe('MergeWorktree', () => {
  it('is a worktree on a detached HEAD, so it holds no branch', async () => {
    expect(git(tree.path, 'rev-parse', 'HEAD')).toBe(base);
    expect(git(tree.path, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('HEAD');
    expect(git(temp.repo, 'worktree', 'list', '--porcelain')).toMatch(/merge\nHEAD [0-9a-f]+\ndetached/);
  });

  it('reset discards changes, untracked files and (deep) ignored files and a stale lock', async () => {
    commitFile(temp.repo, '.gitignore', 'build/\n');
    const withIgnore = git(temp.repo, 'rev-parse', 'HEAD');
    await tree.reset(withIgnore, { deep: false });
    const fs = await import('node:fs');
    fs.writeFileSync(join(tree.path, 'README.md'), 'changed\n');
    fs.writeFileSync(join(tree.path, 'stray.txt'), 'x');
    fs.mkdirSync(join(tree.path, 'build'));
    fs.writeFileSync(join(tree.path, 'build', 'out.js'), 'x');
    await tree.reset(withIgnore, { deep: false });
    expect(git(tree.path, 'status', '--porcelain', '--ignored')).toBe('!! build/');
    const gitDir = git(tree.path, 'rev-parse', '--absolute-git-dir');
    fs.writeFileSync(join(gitDir, 'index.lock'), '');
    await tree.reset(withIgnore, { deep: true });
    expect(git(tree.path, 'status', '--porcelain', '--ignored')).toBe('');
    expect(fs.existsSync(join(gitDir, 'index.lock'))).toBe(false);
  });

  it('is recreated when its directory was deleted', async () => {
    const fs = await import('node:fs');
    fs.rmSync(tree.path, { recursive: true, force: true });
    await tree.reset(base, { deep: false });
    expect(git(tree.path, 'rev-parse', 'HEAD')).toBe(base);
    expect(tree.ready).toBe(false);
  });
});
