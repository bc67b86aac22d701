import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git } from './repo.js';
import { makeRig, type Rig } from './rig.js';

const FAKE_GH = join(import.meta.dirname, '..', 'fixtures', 'merge', 'gh.mjs');

let rigs: Rig[] = [];
afterEach(async () => {
  for (const rig of rigs) {
    await rig.merge.stop();
    rig.temp.cleanup();
  }
  rigs = [];
});

/** A pr-mode rig with a bare `origin` and a fake `gh` first on PATH. */
async function prRig(env: NodeJS.ProcessEnv = {}): Promise<Rig & { ghCalls(): string[][]; remote: string }> {
  let remote = '';
  let ghLog = '';
  const rig = await makeRig({
    merge: { mode: 'pr' },
    before: (t) => {
      remote = join(t.root, 'remote.git');
      git(t.root, 'init', '-q', '--bare', remote);
      git(t.repo, 'remote', 'add', 'origin', remote);
      const bin = join(t.root, 'bin');
      mkdirSync(bin);
      copyFileSync(FAKE_GH, join(bin, 'gh'));
      chmodSync(join(bin, 'gh'), 0o755);
      ghLog = join(t.root, 'gh-calls.jsonl');
      return { PATH: `${bin}:${process.env.PATH}`, FAKE_GH_LOG: ghLog, ...env };
    },
  });
  rigs.push(rig);
  const ghCalls = () => (existsSync(ghLog) ? readFileSync(ghLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]) : []);
  return Object.assign(rig, { ghCalls, remote });
}

describe('pull request mode', () => {
  it('pushes the branch, opens a pull request with the issue as title and body, and records its address', async () => {
    const r = await prRig();
    const mainBefore = git(r.temp.repo, 'rev-parse', 'main');
    r.store.importIssues([{ id: 'A', title: 'Fix the "login" page; $(touch pwned) `id`', body: 'It breaks on Safari.\n\nSee logs.', priority: 2, labels: [] }], Date.now());
    r.merge.start();
    await r.finishSession('A', 'a.txt');
    await r.until(() => r.store.getIssue('A')?.status === 'done', 'the pull request');

    const branchHead = git(r.temp.repo, 'rev-parse', 'harness/A');
    expect(r.ghCalls()).toEqual([
      [
        'pr', 'create', '--head', 'harness/A', '--base', 'main',
        '--title', 'Fix the "login" page; $(touch pwned) `id`',
        '--body', 'It breaks on Safari.\n\nSee logs.\n\n---\nIssue A, worked on by an agent in harness/A.',
      ],
    ]);
    expect(r.store.listMerges()[0]).toMatchObject({ state: 'opened', url: 'https://github.com/example/repo/pull/1' });
    expect(r.log.at(-1)).toMatchObject({ name: 'merge:landed', payload: { issueIds: ['A'], detail: 'pull request https://github.com/example/repo/pull/1', pullRequest: 'https://github.com/example/repo/pull/1' } });
    expect(git(r.remote, 'rev-parse', 'harness/A')).toBe(branchHead);
    // Nothing lands locally; the worktree goes, the branch stays for the pull request.
    expect(git(r.temp.repo, 'rev-parse', 'main')).toBe(mainBefore);
    await r.merge.stop();
    expect(await r.workspaces.list()).toEqual([]);
    expect(git(r.temp.repo, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/harness/')).toBe('harness/A');
    expect(existsSync(join(r.temp.repo, 'pwned'))).toBe(false);
  });

  it('fails the issue, keeping its branch, when no pull request can be opened', async () => {
    const r = await prRig({ FAKE_GH_FAIL: '1' });
    r.merge.start();
    await r.finishSession('A', 'a.txt');
    await r.until(() => r.store.getIssue('A')?.status === 'failed', 'the issue to fail');
    expect(r.ghCalls()).toHaveLength(3);
    expect(r.store.getIssue('A')?.lastError).toMatch(/^could not open a pull request after 3 tries: gh pr create failed \(exit code 4\): To get started with GitHub CLI.*; the branch harness\/A is kept$/);
    expect(git(r.temp.repo, 'rev-parse', '--verify', 'harness/A').length).toBe(40);
  });
});
