import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MergeSetupError } from '../../src/merge/target.js';
import { commitFile, git, subjects } from './repo.js';
import { makeRig, type Rig, type RigOptions } from './rig.js';

/** Fails verify when any .txt file in the tree holds BAD; records every run in VERIFY_RUNS. */
const CHECK = `
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
appendFileSync(process.env.VERIFY_RUNS, 'run\\n');
const bad = readdirSync('.').filter((f) => f.endsWith('.txt') && readFileSync(f, 'utf8').includes('BAD'));
if (bad.length > 0) { console.log('broken by ' + bad.join(', ')); process.exit(1); }
console.log('all good');
`;

let rigs: Rig[] = [];
afterEach(async () => {
  for (const rig of rigs) {
    await rig.merge.stop();
    rig.temp.cleanup();
  }
  rigs = [];
});

async function rig(options: RigOptions = {}): Promise<Rig> {
  const made = await makeRig(options);
  rigs.push(made);
  return made;
}

/** A rig whose verify runs check.mjs, counting its runs. */
async function verifiedRig(options: RigOptions = {}): Promise<Rig & { verifyRuns(): number }> {
  let runsFile = '';
  const made = await rig({
    ...options,
    files: { 'README.md': 'hello\n', 'check.mjs': CHECK, ...options.files },
    merge: { verify: [process.execPath, 'check.mjs'], ...options.merge },
    // Outside the repository, so verify's record survives the merge worktree's resets.
    before: (t) => {
      runsFile = join(t.root, 'verify-runs');
      writeFileSync(runsFile, '');
      return { VERIFY_RUNS: runsFile };
    },
  });
  return Object.assign(made, { verifyRuns: () => readFileSync(runsFile, 'utf8').split('\n').filter(Boolean).length });
}

const main = (r: Rig) => git(r.temp.repo, 'rev-parse', 'main');
const branches = (r: Rig) => git(r.temp.repo, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/harness/');

describe('merging one branch at a time', () => {
  it('lands agents that edited different files, oldest first, and cleans up after them', async () => {
    const r = await rig();
    r.merge.start();
    const ids = ['A', 'B', 'C', 'D', 'E'];
    for (const id of ids) expect(await await r.finishSession(id, `${id}.txt`)).toBe('merging');
    await r.until(() => r.store.countIssues().done === ids.length, 'every issue to land');

    expect(r.landedIds()).toEqual(ids);
    expect(subjects(r.temp.repo).slice(1)).toEqual(ids.map((id) => `${id}: edit ${id}.txt`));
    for (const id of ids) expect(readFileSync(join(r.temp.repo, `${id}.txt`), 'utf8')).toBe(`${id}\n`);
    // Landed by fast-forward in the user's checkout, which stays clean.
    expect(git(r.temp.repo, 'status', '--porcelain', '--untracked-files=no')).toBe('');
    expect(r.store.listMerges().map((e) => e.state)).toEqual(ids.map(() => 'landed'));
    expect(r.merge.depth()).toBe(0);
    await r.merge.stop();
    expect(branches(r)).toBe('');
    expect(await r.workspaces.list()).toEqual([]);
  });

  it('keeps first-in, first-out order while branches keep arriving', async () => {
    const r = await rig();
    const order = Array.from({ length: 12 }, (_, i) => `I${String(i).padStart(2, '0')}`);
    // Four are waiting before the merger starts; the rest arrive, two at a time, as merges land.
    for (const id of order.slice(0, 4)) await r.finishSession(id, `${id}.txt`);
    let next = 4;
    // One chain, so the arrivals reach the queue in order although each is handed over asynchronously.
    let arrivals = Promise.resolve();
    r.events.on('merge:landed', () => {
      const batch = order.slice(next, next + 2);
      next += 2;
      arrivals = arrivals.then(async () => {
        for (const id of batch) await await r.finishSession(id, `${id}.txt`);
      });
    });
    const depths: number[] = [];
    r.events.on('merge:queued', () => depths.push(r.merge.depth()));
    r.merge.start();
    await r.until(() => r.store.countIssues().done === order.length, 'all twelve to land');
    expect(r.landedIds()).toEqual(order);
    expect(subjects(r.temp.repo).slice(1)).toEqual(order.map((id) => `${id}: edit ${id}.txt`));
    // The queue really held more than one branch at a time.
    expect(Math.max(...depths)).toBeGreaterThan(1);
  });

  it.each(['merge', 'squash'] as const)('lands with the %s strategy', async (strategy) => {
    const r = await rig({ merge: { strategy } });
    r.merge.start();
    await r.finishSession('A', 'a.txt');
    await r.finishSession('B', 'b.txt');
    await r.until(() => r.store.countIssues().done === 2, 'both to land');
    expect(readFileSync(join(r.temp.repo, 'a.txt'), 'utf8')).toBe('A\n');
    expect(readFileSync(join(r.temp.repo, 'b.txt'), 'utf8')).toBe('B\n');
    const last = subjects(r.temp.repo).at(-1);
    expect(last).toBe(strategy === 'merge' ? 'Merge harness/B: fix B (B)' : 'fix B (B)');
  });
});

describe('conflicts', () => {
  it('lands the first of two edits to the same lines and sends the second back with the files, on a fresh branch', async () => {
    const r = await rig({ files: { 'README.md': 'hello\n', 'shared.txt': 'original\n' } });
    await r.finishSession('A', 'shared.txt', 'from A\n');
    await r.finishSession('B', 'shared.txt', 'from B\n');
    r.merge.start();
    await r.until(() => r.store.countIssues().merging === 0, 'both merges to finish');

    expect(r.landedIds()).toEqual(['A']);
    expect(readFileSync(join(r.temp.repo, 'shared.txt'), 'utf8')).toBe('from A\n');
    const rejected = r.log.find((e) => e.name === 'merge:rejected')?.payload;
    expect(rejected).toEqual({ at: expect.any(Number), issueId: 'B', reason: 'conflict with main in shared.txt', issueStatus: 'queued' });
    expect(r.store.getIssue('B')).toMatchObject({ status: 'queued', lastError: 'conflict with main in shared.txt', notBefore: null });
    // B's next session starts from the new target: its old branch and worktree are gone.
    expect(branches(r)).toBe('');
    expect(existsSync(r.workspaces.locate('B').path)).toBe(false);
    expect(git(join(r.harnessDir, 'merge'), 'status', '--porcelain')).toBe('');

    // Redone on the updated target, B lands.
    const redo = await r.workspaces.prepare('B');
    expect(readFileSync(join(redo.path, 'shared.txt'), 'utf8')).toBe('from A\n');
    expect(await await r.finishSession('B', 'shared.txt', 'from A and B\n')).toBe('merging');
    await r.until(() => r.store.countIssues().done === 2, 'B to land after its redo');
    expect(readFileSync(join(r.temp.repo, 'shared.txt'), 'utf8')).toBe('from A and B\n');
    expect(r.store.getIssue('B')?.attempts).toBe(2);
  });

  it('fails the issue once its attempts are spent, keeping its branch', async () => {
    const r = await rig({ maxAttempts: 1, files: { 'README.md': 'hello\n', 'shared.txt': 'original\n' } });
    await r.finishSession('A', 'shared.txt', 'from A\n');
    await r.finishSession('B', 'shared.txt', 'from B\n');
    r.merge.start();
    await r.until(() => r.store.countIssues().merging === 0, 'both merges to finish');
    expect(r.store.getIssue('B')).toMatchObject({ status: 'failed', lastError: 'merge conflict after 1 attempt: conflict with main in shared.txt' });
    expect(branches(r)).toBe('harness/B');
  });
});

describe('verify', () => {
  it('never lets a red verify reach the target, and records the log', async () => {
    const r = await verifiedRig();
    const before = main(r);
    r.merge.start();
    await r.finishSession('BAD', 'bad.txt', 'BAD\n');
    await r.until(() => r.store.countIssues().merging === 0, 'the merge to be rejected');
    expect(main(r)).toBe(before);
    const issue = r.store.getIssue('BAD');
    expect(issue?.status).toBe('queued');
    const logPath = /log: (\S+)$/.exec(issue?.lastError ?? '')?.[1] ?? '';
    expect(issue?.lastError).toMatch(/^verify \(.*check\.mjs\) exit code 1; log: /);
    expect(readFileSync(logPath, 'utf8')).toContain('broken by bad.txt');
    // A green one afterwards lands.
    await r.finishSession('GOOD', 'good.txt', 'fine\n');
    await r.until(() => r.store.getIssue('GOOD')?.status === 'done', 'the good branch to land');
    expect(git(r.temp.repo, 'ls-tree', '-r', '--name-only', 'main')).not.toContain('bad.txt');
  });

  it('lands a batch of four with one bad branch: three land, the culprit goes back', async () => {
    const r = await verifiedRig({ merge: { batchSize: 4 } });
    await r.finishSession('A', 'a.txt', 'a\n');
    await r.finishSession('B', 'b.txt', 'BAD\n');
    await r.finishSession('C', 'c.txt', 'c\n');
    await r.finishSession('D', 'd.txt', 'd\n');
    r.merge.start();
    await r.until(() => r.store.countIssues().merging === 0, 'the batch to settle');

    expect(r.landedIds().sort()).toEqual(['A', 'C', 'D']);
    expect(r.store.getIssue('B')).toMatchObject({ status: 'queued', lastError: expect.stringMatching(/^verify .*exit code 1/) });
    expect(r.store.countIssues()).toMatchObject({ done: 3, queued: 1 });
    // Top red, bisect (level 2 red, level 1 green), then C and D verified together on the new target.
    expect(r.verifyRuns()).toBe(4);
    // No commit the target ever pointed at holds the bad change.
    for (const commit of git(r.temp.repo, 'rev-list', 'main').split('\n')) {
      expect(git(r.temp.repo, 'ls-tree', '--name-only', commit)).not.toContain('b.txt');
    }
  });

  it('lands a green batch with one verify', async () => {
    const r = await verifiedRig({ merge: { batchSize: 3 } });
    for (const id of ['A', 'B', 'C']) await r.finishSession(id, `${id}.txt`);
    r.merge.start();
    await r.until(() => r.store.countIssues().done === 3, 'the batch to land');
    expect(r.verifyRuns()).toBe(1);
    expect(r.log.filter((e) => e.name === 'merge:landed')).toHaveLength(1);
    expect(r.landedIds()).toEqual(['A', 'B', 'C']);
  });
});

describe('the target branch', () => {
  it('refuses to start when the target is checked out with uncommitted changes', async () => {
    const attempt = makeRig({ before: (t) => writeFileSync(join(t.repo, 'README.md'), 'edited, not committed\n') });
    await expect(attempt).rejects.toThrow(MergeSetupError);
    await expect(attempt).rejects.toThrow(/checked out in .*repo, which has uncommitted changes \(README\.md\): .*commit or stash them/);
  });

  it('waits while the checkout is dirty and lands once it is clean again', async () => {
    const r = await rig();
    // Count the landing's tries: each one records that it waits.
    let tries = 0;
    const setMergeState = r.store.setMergeState;
    r.store.setMergeState = (id, update, now, transition) => {
      if (update.reason?.startsWith('waiting: ')) tries++;
      return setMergeState(id, update, now, transition);
    };
    r.merge.start();
    writeFileSync(join(r.temp.repo, 'README.md'), 'someone is editing\n');
    const before = main(r);
    await r.finishSession('A', 'a.txt');
    await r.until(() => /^waiting: .*uncommitted changes in README\.md/.test(r.store.listMerges()[0]?.reason ?? ''), 'the landing to wait');
    expect(main(r)).toBe(before);
    // Said once, however many times the landing is retried.
    await r.until(() => tries >= 3, 'the landing to be tried three times');
    const waits = r.log.filter((e) => e.name === 'merge:waiting').map((e) => e.payload);
    expect(waits).toEqual([expect.objectContaining({ issueIds: ['A'], target: 'main', reason: expect.stringMatching(/uncommitted changes in README\.md/) })]);
    git(r.temp.repo, 'checkout', '--', 'README.md');
    await r.until(() => r.store.getIssue('A')?.status === 'done', 'the landing');
    expect(readFileSync(join(r.temp.repo, 'a.txt'), 'utf8')).toBe('A\n');
  });

  it('moves a target nobody has checked out with one atomic ref update', async () => {
    const r = await rig({ merge: { target: 'release' }, before: (t) => void git(t.repo, 'branch', 'release') });
    const mainBefore = main(r);
    r.merge.start();
    await r.finishSession('A', 'a.txt');
    await r.until(() => r.store.getIssue('A')?.status === 'done', 'the landing');
    expect(main(r)).toBe(mainBefore);
    expect(git(r.temp.repo, 'show', 'release:a.txt')).toBe('A');
    expect(git(r.temp.repo, 'reflog', '-1', '--format=%gs', 'release')).toBe('harness merge queue: A');
  });

  it('rebuilds on the new target when someone commits to it during a merge', async () => {
    const r = await rig();
    await r.finishSession('A', 'a.txt');
    // Someone else lands first: the branch is based on an older main now.
    commitFile(r.temp.repo, 'other.txt', 'meanwhile\n', 'someone else');
    r.merge.start();
    await r.until(() => r.store.getIssue('A')?.status === 'done', 'the landing');
    expect(subjects(r.temp.repo).slice(-2)).toEqual(['someone else', 'A: edit a.txt']);
  });

  it('pushes the target to the named remote after each landing', async () => {
    const r = await rig({ merge: { push: 'origin' }, before: (t) => {
      git(t.root, 'init', '-q', '--bare', 'remote.git');
      git(t.repo, 'remote', 'add', 'origin', join(t.root, 'remote.git'));
      git(t.repo, 'push', '-q', 'origin', 'main');
    } });
    r.merge.start();
    await r.finishSession('A', 'a.txt');
    await r.until(() => r.store.getIssue('A')?.status === 'done', 'the landing');
    await r.merge.stop();
    expect(git(join(r.temp.root, 'remote.git'), 'rev-parse', 'main')).toBe(main(r));
  });
});

describe('submitting', () => {
  it('fails a session that committed nothing with "no changes" by default', async () => {
    const r = await rig();
    expect(await await r.finishSession('A', null)).toBe('failed');
    expect(r.store.getIssue('A')).toMatchObject({ status: 'failed', lastError: 'no changes: the session succeeded but left no commits on harness/A beyond main' });
    expect(r.merge.depth()).toBe(0);
  });

  it('counts a session without commits as done when requireCommits is off, and removes its worktree', async () => {
    const r = await rig({ merge: { requireCommits: false } });
    r.merge.start();
    expect(await await r.finishSession('A', null)).toBe('done');
    await r.merge.stop();
    expect(r.store.getIssue('A')?.status).toBe('done');
    expect(await r.workspaces.list()).toEqual([]);
  });

  it('keeps worktrees and branches of landed issues with workspace.keep', async () => {
    const r = await rig({ workspace: { keep: true } });
    r.merge.start();
    await r.finishSession('A', 'a.txt');
    await r.until(() => r.store.getIssue('A')?.status === 'done', 'the landing');
    await r.merge.stop();
    expect(branches(r)).toBe('harness/A');
    expect((await r.workspaces.list()).map((w) => w.branch)).toEqual(['harness/A']);
  });

  it('reports the queue depth from the store', async () => {
    const r = await rig();
    await r.finishSession('A', 'a.txt');
    await r.finishSession('B', 'b.txt');
    expect(r.merge.depth()).toBe(2);
    expect(r.store.mergeDepth()).toBe(2);
  });
});

describe('after a crash', () => {
  it('marks an entry landed when the target already holds its result, and merges the rest again', async () => {
    // Simulate the state a killed harness leaves: both entries merging, the first one's result on main.
    const r = await rig();
    await r.finishSession('A', 'a.txt');
    await r.finishSession('B', 'b.txt');
    const [a, b] = r.store.listMerges();
    if (!a || !b) throw new Error('two entries expected');
    const aHead = git(r.temp.repo, 'rev-parse', 'harness/A');
    git(r.temp.repo, 'merge', '-q', '--ff-only', aHead);
    const now = Date.now();
    r.store.setMergeState(a.id, { state: 'merging', startedAt: now, base: 'x', result: aHead }, now);
    r.store.setMergeState(b.id, { state: 'merging', startedAt: now, base: 'x', result: '0'.repeat(40) }, now);
    // A rebase the crash interrupted, and git's lock file, are in the merge worktree.
    const tree = join(r.harnessDir, 'merge');
    git(r.temp.repo, 'worktree', 'add', '-q', '--detach', tree, 'main');
    appendFileSync(join(git(tree, 'rev-parse', '--absolute-git-dir'), 'index.lock'), '');

    r.merge.start();
    await r.until(() => r.store.countIssues().done === 2, 'both to be done');
    expect(r.store.getMerge(a.id)).toMatchObject({ state: 'landed', reason: 'landed before a restart' });
    expect(r.store.getMerge(b.id)?.state).toBe('landed');
    // Each change is on main exactly once.
    expect(subjects(r.temp.repo).filter((s) => s.startsWith('A:'))).toHaveLength(1);
    expect(subjects(r.temp.repo).filter((s) => s.startsWith('B:'))).toHaveLength(1);
  });

  it('gives an issue left merging without an entry a new one', async () => {
    const r = await rig();
    await r.finishSession('A', 'a.txt');
    const [entry] = r.store.listMerges();
    r.store.setMergeState(entry?.id ?? 0, { state: 'rejected', reason: 'lost' }, Date.now());
    r.merge.start();
    await r.until(() => r.store.getIssue('A')?.status === 'done', 'the landing');
    expect(r.store.listMerges().map((e) => e.state)).toEqual(['rejected', 'landed']);
  });

  it('drops an entry whose issue is no longer merging', async () => {
    const r = await rig();
    await r.finishSession('A', 'a.txt');
    await r.finishSession('B', 'b.txt');
    // As if A's session had been recovered after a crash before its handoff was recorded.
    const [a] = r.store.listMerges();
    r.store.setMergeState(a?.id ?? 0, {}, Date.now(), { status: 'queued' });
    r.merge.start();
    await r.until(() => r.store.getIssue('B')?.status === 'done', 'B to land');
    expect(r.store.listMerges()[0]).toMatchObject({ state: 'rejected', reason: 'its issue is queued, no longer waiting to merge' });
    expect(r.landedIds()).toEqual(['B']);
  });
});
