import { describe, expect, it } from 'vitest';
import { FencedError, UsageError } from '../../src/errors.js';
import { mergeSettingsOf } from '../../src/merge/settings-text.js';
import type { CoordinatorInfo } from '../../src/store/ports.js';
import type { PostgresStore } from '../../src/store/postgres/index.js';
import { describeWithPostgres, pgStores } from '../helpers/postgres.js';
import { issue } from './conformance/fixtures.js';

const describePg = describeWithPostgres('fleet membership');

const info = (over: Partial<CoordinatorInfo> = {}): CoordinatorInfo => ({
  host: 'host-a',
  pid: 100,
  processStart: 'boot/1',
  version: '0.0.0',
  maxWorkers: 4,
  startedAt: 1,
  leaseMs: 30_000,
  fleetMaxWorkers: null,
  ...over,
});

const logPath = () => null;

describePg('a fleet on PostgreSQL', () => {
  const pg = pgStores();

  /** Two coordinators on one schema, with `count` issues queued. */
  async function fleet(count: number, over: Partial<CoordinatorInfo> = {}): Promise<{ a: PostgresStore; b: PostgresStore; schema: string }> {
    const a = await pg.open();
    const schema = a.schema;
    const b = await pg.open({ schema });
    await a.importIssues(
      Array.from({ length: count }, (_, i) => issue(`i${i}`)),
      1,
    );
    await a.admit(Infinity, 1);
    await a.joinFleet(info({ pid: 1, ...over }));
    await b.joinFleet(info({ pid: 2, host: 'host-b', ...over }));
    return { a, b, schema };
  }

  it('registers each coordinator with its own token and lists them with their heartbeat age', async () => {
    const { a, b } = await fleet(0);
    const list = await a.listCoordinators();
    expect(list.map((c) => [c.host, c.pid, c.state])).toEqual([
      ['host-b', 2, 'live'],
      ['host-a', 1, 'live'],
    ]);
    expect(new Set(list.map((c) => c.token)).size).toBe(2);
    expect(list.every((c) => c.heartbeatAgeMs >= 0 && c.heartbeatAgeMs < 10_000)).toBe(true);
    await b.heartbeat();
  });

  it('merges in one checkout: refuses a coordinator of another while one of that checkout is live, or its branches wait', async () => {
    const a = await pg.open();
    const b = await pg.open({ schema: a.schema });
    const c = await pg.open({ schema: a.schema });
    await a.importIssues([issue('x')], 1);
    await a.joinFleet(info({ pid: 1, checkout: 'host-a:/srv/app' }));
    // The same checkout joins; a coordinator that merges nothing does not (its work would stay where it is).
    await b.joinFleet(info({ pid: 2, checkout: 'host-a:/srv/app' }));
    const unmerged = await c.joinFleet(info({ pid: 3, host: 'host-c', checkout: 'shared:host-c:/w' })).catch((error: Error) => error);
    expect((unmerged as Error).message).toMatch(/this fleet merges in the checkout on host-a in \/srv\/app \(coordinator \S+ runs with --worktrees\), and work done without --worktrees stays in its own checkout/);
    const d = await pg.open({ schema: a.schema });
    const refused = await d.joinFleet(info({ pid: 4, host: 'host-b', checkout: 'host-b:/src/repo' })).catch((error: Error) => error);
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as Error).message).toMatch(/merges in the checkout on host-a in \/srv\/app .*run this coordinator there, or give every checkout the remote they share/);
    // A branch of that checkout waits; its coordinators leave: still refused, since the branch exists only there.
    await a.enqueueMerge({ issueId: 'x', branch: 'harness/x', head: null, now: 2 });
    await a.leaveFleet(3, 'done');
    await b.leaveFleet(3, 'done');
    const waiting = await d.joinFleet(info({ pid: 4, host: 'host-b', checkout: 'host-b:/src/repo' })).catch((error: Error) => error);
    expect((waiting as Error).message).toMatch(/the merge queue holds 1 branch\(es\) made for the checkout on host-a in \/srv\/app/);
    // Once merged there, the other checkout may join; then one that merges nothing is refused, and that one refuses merging ones.
    const entry = (await a.listMerges())[0]!;
    await a.setMergeState(entry.id, { state: 'rejected', endedAt: 4, reason: 'merged by hand' }, 4);
    expect((await d.joinFleet(info({ pid: 4, host: 'host-b', checkout: 'host-b:/src/repo' }))).id).toContain('host-b');
    await d.leaveFleet(5, 'done');
    const e = await pg.open({ schema: a.schema });
    const f = await pg.open({ schema: a.schema });
    await e.joinFleet(info({ pid: 5, host: 'host-e', checkout: 'shared:host-e:/e' }));
    await f.joinFleet(info({ pid: 6, host: 'host-f', checkout: 'shared:host-f:/f' }));
    const merging = await pg.open({ schema: a.schema });
    const refusedMerging = await merging.joinFleet(info({ pid: 7, checkout: 'host-a:/srv/app' })).catch((error: Error) => error);
    expect((refusedMerging as Error).message).toMatch(/coordinator \S+ of this fleet runs without --worktrees \(in the checkout on host-e in \/e\), so its work is never merged/);
  });

  it('refuses a coordinator that would merge with other settings than a live one, naming both', async () => {
    const a = await pg.open();
    const b = await pg.open({ schema: a.schema });
    const c = await pg.open({ schema: a.schema });
    const local = mergeSettingsOf({ mode: 'local', strategy: 'rebase', verify: ['npm', 'test'], target: 'main', batchSize: 1 });
    const pr = mergeSettingsOf({ mode: 'pr', strategy: 'rebase', verify: null, target: 'main', batchSize: 1 });
    await a.joinFleet(info({ pid: 1, checkout: 'remote:/srv/repo.git', mergeSettings: local }));
    await b.joinFleet(info({ pid: 2, host: 'host-b', checkout: 'remote:/srv/repo.git', mergeSettings: local }));
    const refused = await c.joinFleet(info({ pid: 3, host: 'host-c', checkout: 'remote:/srv/repo.git', mergeSettings: pr })).catch((error: Error) => error);
    expect(refused).toBeInstanceOf(UsageError);
    expect((refused as Error).message).toMatch(
      /merges with mode local, strategy rebase, verify "npm test", target main, batch 1, this one with mode pr, strategy rebase, verify none, target main, batch 1: .*give every coordinator the same merge settings/,
    );
  });

  it('declares a coordinator whose lease ran out dead, requeues its sessions as lost, and refuses its late writes', async () => {
    const { a, b, schema } = await fleet(2, { leaseMs: 50 });
    const claimed = await a.claim({ sessionId: 's-a', workerId: 'worker-1', now: 2, logPath });
    expect(claimed.issue?.attempts).toBe(1);
    await new Promise((r) => setTimeout(r, 120));
    await b.heartbeat();
    const reaped = await b.reapExpired(5);
    expect(reaped).toEqual([{ id: expect.stringContaining('host-a:1:'), host: 'host-a', pid: 1, sessions: 1 }]);
    const session = await b.getSession('s-a');
    expect(session).toMatchObject({ outcome: 'lost', endedAt: 5 });
    const requeued = await b.getIssue(claimed.issue!.id);
    expect(requeued).toMatchObject({ status: 'queued', attempts: 0 });
    // The dead coordinator comes back: whatever it says about that session is refused.
    await expect(a.touchSession('s-a', 6)).rejects.toBeInstanceOf(FencedError);
    await expect(a.finishSession('s-a', { outcome: 'success', endedAt: 7 }, { status: 'done' })).rejects.toThrow(/presumed it dead/);
    await expect(a.heartbeat()).rejects.toBeInstanceOf(FencedError);
    await expect(a.claim({ sessionId: 's-a2', workerId: 'worker-1', now: 8, logPath })).rejects.toBeInstanceOf(FencedError);
    // Another coordinator's claim and success stand.
    const again = await b.claim({ sessionId: 's-b', workerId: 'worker-1', now: 9, logPath, issueId: claimed.issue!.id });
    expect(again.issue?.attempts).toBe(1);
    await b.finishSession('s-b', { outcome: 'success', endedAt: 10 }, { status: 'done' });
    const done = await pg.admin.query(`SELECT count(*)::int AS n FROM ${schema}.sessions WHERE outcome = 'success'`);
    expect(done.rows[0].n).toBe(1);
    expect((await b.listCoordinators()).find((c) => c.pid === 1)).toMatchObject({ state: 'dead', endedBy: expect.stringContaining('no heartbeat') });
  });

  it("refuses a write about another coordinator's session", async () => {
    const { a, b } = await fleet(1);
    await a.claim({ sessionId: 's-a', workerId: 'worker-1', now: 2, logPath });
    await expect(b.finishSession('s-a', { outcome: 'success', endedAt: 3 }, { status: 'done' })).rejects.toThrow(/not its claim/);
    await a.finishSession('s-a', { outcome: 'success', endedAt: 4 }, { status: 'done' });
  });

  it('keeps open sessions across the fleet at fleetMaxWorkers', async () => {
    const { a, b } = await fleet(5, { fleetMaxWorkers: 2 });
    expect((await a.claim({ sessionId: 'a1', workerId: 'worker-1', now: 2, logPath })).issue).not.toBeNull();
    expect((await b.claim({ sessionId: 'b1', workerId: 'worker-1', now: 2, logPath })).issue).not.toBeNull();
    const refused = await b.claim({ sessionId: 'b2', workerId: 'worker-2', now: 2, logPath });
    expect(refused.issue).toBeNull();
    expect(refused.view.counts.queued).toBe(3);
    await a.finishSession('a1', { outcome: 'success', endedAt: 3 }, { status: 'done' });
    expect((await b.claim({ sessionId: 'b3', workerId: 'worker-2', now: 4, logPath })).issue).not.toBeNull();
  });

  it('holds every coordinator to the tightest cap a live coordinator was given, its own or not', async () => {
    const { a, b } = await fleet(5);
    const c = await pg.open({ schema: a.schema });
    await c.joinFleet(info({ pid: 3, fleetMaxWorkers: 1 }));
    // a and b joined without a cap: they learn of c's at their next renewal.
    await a.heartbeat();
    await b.heartbeat();
    expect((await a.claim({ sessionId: 'a1', workerId: 'worker-1', now: 2, logPath })).issue).not.toBeNull();
    expect((await b.claim({ sessionId: 'b1', workerId: 'worker-1', now: 2, logPath })).issue).toBeNull();
    expect((await c.claim({ sessionId: 'c1', workerId: 'worker-1', now: 2, logPath })).issue).toBeNull();
    // Once c leaves, the cap goes with it.
    await c.leaveFleet(3, 'finished');
    await b.heartbeat();
    expect((await b.claim({ sessionId: 'b2', workerId: 'worker-1', now: 4, logPath })).issue).not.toBeNull();
  });

  it("numbers each coordinator's workers on their own and answers its own open sessions only", async () => {
    const { a, b } = await fleet(2);
    await a.upsertWorker({ id: 'worker-3', state: 'idle', sessionsRun: 0, createdAt: 1, retiredAt: null });
    await b.upsertWorker({ id: 'worker-3', state: 'busy', sessionsRun: 1, createdAt: 1, retiredAt: null });
    expect(await a.lastWorkerNumber()).toBe(3);
    await a.claim({ sessionId: 'a1', workerId: 'worker-3', now: 2, logPath });
    await b.claim({ sessionId: 'b1', workerId: 'worker-3', now: 2, logPath });
    expect((await a.openSessions()).map((s) => s.id)).toEqual(['a1']);
    expect((await b.openSessions()).map((s) => s.id)).toEqual(['b1']);
  });

  it("clears what a coordinator of this host left when its process is gone, and names its sessions' processes", async () => {
    const { a, b } = await fleet(1);
    await a.claim({ sessionId: 'a1', workerId: 'worker-1', now: 2, logPath });
    await a.setSessionProcess('a1', 4242, 4242);
    // A new coordinator on host-a finds host-a's coordinator gone (b is on host-b, and left alone).
    const c = await pg.open({ schema: a.schema });
    await c.joinFleet(info({ pid: 3 }));
    const left = await c.leftOnHost('host-a', 10, ({ pid }) => pid === 1);
    expect(left.reaped).toEqual([expect.objectContaining({ pid: 1, sessions: 1 })]);
    expect(left.sessions.map((s) => [s.id, s.pid])).toEqual([['a1', 4242]]);
    expect((await c.listCoordinators()).find((x) => x.pid === 2)?.state).toBe('live');
    expect(await b.getIssue('i0')).toMatchObject({ status: 'queued', attempts: 0 });
  });

  it('keeps the counts by status exact while coordinators claim and finish at once', async () => {
    const { a, b, schema } = await fleet(120);
    const c = await pg.open({ schema });
    await c.joinFleet(info({ pid: 3 }));
    await Promise.all(
      [a, b, c].map(async (store, k) => {
        for (let n = 0; ; n++) {
          const { issue: taken } = await store.claim({ sessionId: `s${k}-${n}`, workerId: 'worker-1', now: 2, logPath });
          if (!taken) return;
          await store.finishSession(`s${k}-${n}`, { outcome: n % 3 === 0 ? 'failure' : 'success', endedAt: 3 }, n % 3 === 0 ? { status: 'failed', lastError: 'x' } : { status: 'done' });
        }
      }),
    );
    const counted = await pg.admin.query(`SELECT status, count(*)::int AS n FROM ${schema}.issues GROUP BY status ORDER BY status`);
    const expected = Object.fromEntries(counted.rows.map((r: { status: string; n: number }) => [r.status, r.n]));
    const counts = await a.countIssues();
    expect({ done: counts.done, failed: counts.failed }).toEqual({ done: expected.done, failed: expected.failed });
    expect(counts.done + counts.failed).toBe(120);
    expect((await b.queueView(4)).counts).toEqual(counts);
  });

  it('gives a named lease to one coordinator at a time, and to another once it runs out or is released', async () => {
    const { a, b } = await fleet(0);
    expect(await a.holdLease('merge', 60_000)).toBe(true);
    expect(await b.holdLease('merge', 60_000)).toBe(false);
    expect(await a.holdLease('merge', 60_000)).toBe(true);
    await a.releaseLease('merge');
    expect(await b.holdLease('merge', 40)).toBe(true);
    await new Promise((r) => setTimeout(r, 80));
    expect(await a.holdLease('merge', 60_000)).toBe(true);
    await a.leaveFleet(20, 'finished');
    expect(await b.holdLease('merge', 60_000)).toBe(true);
    expect((await b.listCoordinators()).find((x) => x.pid === 1)).toMatchObject({ state: 'ended', endedBy: 'finished' });
  });
});


describePg('connecting to a fleet store', () => {
  it("passes the URL's TLS settings to pg and masks the password in what it says", async () => {
    const url = new URL((await import('../helpers/postgres.js')).PG_URL);
    url.username = 'postgres';
    url.password = 's3cret-pw';
    url.searchParams.set('sslmode', 'verify-full');
    const { openPostgresStore } = await import('../../src/store/postgres/index.js');
    const error = await openPostgresStore(url.toString(), { schema: 'never_made' }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    // The test server speaks no TLS: pg was asked for it, and the refusal says what to check.
    expect(error?.message).toMatch(/does not support SSL connections: check the sslmode/);
    expect(error?.message).toContain('postgres:***@');
    expect(error?.message).not.toContain('s3cret-pw');
  });
});
