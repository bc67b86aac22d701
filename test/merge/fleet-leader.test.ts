import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type HarnessConfig } from '../../src/config/types.js';
import { EventBus, type HarnessEvents } from '../../src/core/events.js';
import { MergeLeadership } from '../../src/merge/leadership.js';
import { setUpWorktreeRun, type WorktreeRun } from '../../src/merge/worktree-run.js';
import { realClock } from '../../src/runtime/clock.js';
import { isAlive } from '../../src/runtime/processes.js';
import type { CoordinatorInfo } from '../../src/store/ports.js';
import type { PostgresStore } from '../../src/store/postgres/index.js';
import { describeWithPostgres, pgStores } from '../helpers/postgres.js';
import { commitFile, git, makeRepo, subjects, testEnv, type TempRepo } from './repo.js';

/**
 * Two coordinators' merge queues on one PostgreSQL schema and one checkout:
 * both queue branches, only the holder of the merge lease merges, and one
 * that loses the lease mid-merge never lands it: the next leader does.
 */
const describePg = describeWithPostgres('the merge queue across a fleet');

const info = (pid: number): CoordinatorInfo => ({
  host: 'host-a',
  pid,
  processStart: null,
  version: '0.0.0',
  maxWorkers: 2,
  startedAt: 1,
  leaseMs: 60_000,
  fleetMaxWorkers: null,
});

interface Member {
  store: PostgresStore;
  run: WorktreeRun;
  events: EventBus;
  leadership: MergeLeadership;
  seen: { name: string; payload: unknown }[];
}

const LEASE_MS = 600;

/** Resolves once `check` holds (asked every 25 ms); fails after `timeoutMs`. */
async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
const temps: TempRepo[] = [];
const members: Member[] = [];
afterEach(async () => {
  for (const m of members.splice(0)) await m.run.merge.stop();
  for (const t of temps.splice(0)) t.cleanup();
});

describePg('merge queues of a fleet on one schema', () => {
  const pg = pgStores();

  async function member(temp: TempRepo, schema: string | undefined, pid: number, verify: string[] | null): Promise<Member> {
    const store = await pg.open(schema ? { schema } : {});
    await store.joinFleet(info(pid));
    const events = new EventBus();
    const leadership = new MergeLeadership({ lease: store, clock: realClock, ttlMs: LEASE_MS });
    const config: HarnessConfig = { ...DEFAULT_CONFIG, workspace: { ...DEFAULT_CONFIG.workspace, mode: 'worktree' }, merge: { ...DEFAULT_CONFIG.merge, verify } };
    const run = await setUpWorktreeRun({
      repoDir: temp.repo,
      harnessDir: join(temp.repo, '.harness'),
      config,
      store,
      events,
      clock: realClock,
      env: testEnv(),
      retryMs: 50,
      leadership,
      mergePollMs: 50,
    });
    const seen: Member['seen'] = [];
    for (const name of ['merge:queued', 'merge:landed', 'merge:rejected', 'merge:leader', 'merge:error'] as const) {
      events.on(name, (payload: HarnessEvents[typeof name]) => seen.push({ name, payload }));
    }
    const m = { store, run, events, leadership, seen };
    members.push(m);
    return m;
  }

  /** A session of `m` on issue `id` that commits `id`.txt and hands its branch to m's queue (unless its coordinator dies first). */
  async function finishSession(m: Member, id: string, options: { diesBeforeQueueing?: boolean } = {}): Promise<void> {
    const now = realClock.now();
    const { issue } = await m.store.claim({ sessionId: `s-${id}`, workerId: 'worker-1', now, logPath: () => null, issueId: id });
    expect(issue?.id).toBe(id);
    const { path, branch } = await m.run.workspaces.prepare(id);
    commitFile(path, `${id}.txt`, `${id}\n`, `${id}: fix ${id}`);
    const handoff = await m.run.merge.assess(issue!, branch);
    expect(handoff.status).toBe('merging');
    await m.store.finishSession(`s-${id}`, { outcome: 'success', endedAt: now }, { status: 'merging', lastError: null, branch });
    if (options.diesBeforeQueueing) return;
    await m.run.merge.enqueue(issue!, branch, handoff.status === 'merging' ? handoff.head : null, now);
  }

  async function fleetOf(ids: string[], verify: string[] | null) {
    const temp = makeRepo();
    temps.push(temp);
    const a = await member(temp, undefined, 1, verify);
    const b = await member(temp, a.store.schema, 2, verify);
    await a.store.importIssues(ids.map((id) => ({ id, title: `fix ${id}`, body: '', priority: 2, labels: [] })), 1);
    await a.store.admit(ids.length, 1);
    return { temp, a, b };
  }

  const landed = (m: Member) => m.seen.flatMap((e) => (e.name === 'merge:landed' ? (e.payload as HarnessEvents['merge:landed']).issueIds : []));
  const statuses = async (m: Member) => Object.fromEntries((await m.store.listIssues()).map((i) => [i.id, i.status]));

  it('lands what both queue, merged by the lease holder only', async () => {
    const { temp, a, b } = await fleetOf(['A1', 'B1', 'A2', 'B2'], null);
    a.run.merge.start();
    await waitFor(() => a.leadership.holds(), 5_000, 'a to take the merge lease');
    b.run.merge.start();
    await finishSession(a, 'A1');
    await finishSession(b, 'B1');
    await finishSession(a, 'A2');
    await finishSession(b, 'B2');
    await waitFor(() => landed(a).length === 4, 20_000, 'four landings');
    expect(landed(a).sort()).toEqual(['A1', 'A2', 'B1', 'B2']);
    expect(landed(b)).toEqual([]);
    expect(b.seen.filter((e) => e.name === 'merge:leader')).toEqual([]);
    expect(b.seen.filter((e) => e.name === 'merge:queued')).toHaveLength(2);
    expect(await statuses(a)).toEqual({ A1: 'done', B1: 'done', A2: 'done', B2: 'done' });
    for (const id of ['A1', 'B1', 'A2', 'B2']) expect(subjects(temp.repo).filter((s) => s === `${id}: fix ${id}`)).toHaveLength(1);
    // The queue's depth on a store that answers later: the last count it gave, fleet-wide.
    b.run.merge.depth();
    await waitFor(() => b.run.merge.depth() === 0, 5_000, 'b to read an empty queue');

    // The leader stops (its run ended): the other takes the lease and merges what comes next.
    await a.run.merge.stop();
    await a.store.importIssues([{ id: 'B3', title: 'fix B3', body: '', priority: 2, labels: [] }], 2);
    await a.store.admit(1, 2);
    await finishSession(b, 'B3');
    await waitFor(() => landed(b).includes('B3'), 20_000, 'b to land B3');
    expect(b.seen.find((e) => e.name === 'merge:leader')?.payload).toMatchObject({ leading: true });
  }, 60_000);

  it('never lands after losing the lease mid-merge: the next leader recovers the entry and lands it once', async () => {
    // A verify long enough to lose the lease during it.
    const verify = [process.execPath, '-e', 'setTimeout(() => {}, 1500)'];
    const { temp, a, b } = await fleetOf(['L1'], verify);
    const before = git(temp.repo, 'rev-parse', 'main');
    a.run.merge.start();
    await waitFor(() => a.leadership.holds(), 5_000, 'a to take the merge lease');
    await finishSession(a, 'L1');
    await waitFor(async () => (await a.store.listMerges('merging')).some((e) => e.verifyPid !== null), 10_000, 'a to be verifying');
    // Another coordinator holds the lease now (as after a pause longer than it): a's renewals are refused.
    await pg.admin.query(`UPDATE ${a.store.schema}.leases SET holder = 'elsewhere', expires_at = clock_timestamp() + interval '1 hour' WHERE name = 'merge'`);
    const resigned = () => a.seen.find((e) => e.name === 'merge:leader' && !(e.payload as HarnessEvents['merge:leader']).leading);
    await waitFor(() => resigned() !== undefined, 10_000, 'a to stop leading');
    expect((resigned()?.payload as HarnessEvents['merge:leader']).reason).toMatch(/merge lease/);
    expect(git(temp.repo, 'rev-parse', 'main')).toBe(before);
    expect(landed(a)).toEqual([]);
    // Its step ended (the verify is over) without a word more about the entry: still merging, its verify's pid still there.
    const left = await a.store.listMerges();
    expect(left.map((e) => e.state)).toEqual(['merging']);
    expect(left[0]?.verifyPid).not.toBeNull();
    expect(isAlive(left[0]!.verifyPid!)).toBe(false);

    // The lease is free again: b takes it, puts the entry back and lands it.
    b.run.merge.start();
    await pg.admin.query(`DELETE FROM ${a.store.schema}.leases WHERE name = 'merge'`);
    await waitFor(() => landed(b).includes('L1') || landed(a).includes('L1'), 20_000, 'L1 to land');
    expect(subjects(temp.repo).filter((s) => s === 'L1: fix L1')).toHaveLength(1);
    const entries = await a.store.listMerges();
    expect(entries.map((e) => e.state)).toEqual(['landed']);
    expect(await statuses(a)).toEqual({ L1: 'done' });
  }, 60_000);

  it('queues the branch of an issue whose coordinator died between its session end and queueing it', async () => {
    const { temp, a, b } = await fleetOf(['O1'], null);
    a.run.merge.start();
    await waitFor(() => a.leadership.holds(), 5_000, 'a to take the merge lease');
    await finishSession(b, 'O1', { diesBeforeQueueing: true });
    expect(await b.store.listMerges()).toEqual([]);
    // Once its last change is a lease old, the leader queues it itself and lands it.
    await waitFor(() => landed(a).includes('O1'), 20_000, 'a to land O1');
    expect(subjects(temp.repo).filter((s) => s === 'O1: fix O1')).toHaveLength(1);
    expect(await statuses(a)).toEqual({ O1: 'done' });
  }, 60_000);
});
