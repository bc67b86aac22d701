import { beforeAll, expect, it } from 'vitest';
import { metricsCommand } from '../../src/cli/commands/metrics.js';
import { statusCommand } from '../../src/cli/commands/status.js';
import type { MetricsReport } from '../../src/metrics/report.js';
import { VirtualClock } from '../../src/runtime/clock.js';
import type { CoordinatorInfo } from '../../src/store/ports.js';
import type { PostgresStore } from '../../src/store/postgres/index.js';
import { makeIO, REPO } from '../helpers/cli.js';
import { describeWithPostgres, PG_URL, pgStores } from '../helpers/postgres.js';
import { issue } from '../store/conformance/fixtures.js';

/** The test server's host and port, as messages show them (CI's server is not on 5432). */
const serverAt = new URL(PG_URL).host;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const describePg = describeWithPostgres('fleet metrics and status');

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
/** The instant the figures describe: 70 s after the first claims, so the 60 s throughput window holds both successes. */
const NOW = T0 + 70_000;
const logPath = () => null;

const info = (over: Partial<CoordinatorInfo>): CoordinatorInfo => ({
  host: 'host-a',
  pid: 1,
  processStart: null,
  version: '9.9.9',
  maxWorkers: 4,
  startedAt: T0,
  leaseMs: 600_000,
  fleetMaxWorkers: null,
  ...over,
});

/** The URL with a password in it: the server trusts local connections, so it connects, and the password must never be shown. */
const SECRET = 'hunter2-fleet-secret';
const withPassword = (url: string): string => {
  const parsed = new URL(url);
  parsed.password = SECRET;
  return parsed.toString();
};

describePg('a fleet read from PostgreSQL', () => {
  const pg = pgStores();
  let schema = '';
  const ids: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };

  /**
   * Three coordinators on one schema: a (host-a) finished one success and
   * one failure and runs a third session on one of its two workers; b
   * (host-b) finished one success and runs one session on its one worker;
   * c (host-c) went silent with a session open, and b declared it dead, so
   * that session ended lost.
   */
  beforeAll(async () => {
    const a: PostgresStore = await pg.open();
    schema = a.schema;
    const b = await pg.open({ schema });
    const c = await pg.open({ schema });
    await a.importIssues(Array.from({ length: 6 }, (_, i) => issue(`i${i}`)), T0);
    await a.admit(Infinity, T0);
    ids.a = (await a.joinFleet(info({ host: 'host-a', pid: 1 }))).id;
    ids.b = (await b.joinFleet(info({ host: 'host-b', pid: 2, startedAt: T0 + 1 }))).id;
    ids.c = (await c.joinFleet(info({ host: 'host-c', pid: 3, startedAt: T0 + 2, leaseMs: 1_000 }))).id;
    await a.upsertWorker({ id: 'worker-1', state: 'busy', sessionsRun: 2, createdAt: T0, retiredAt: null });
    await a.upsertWorker({ id: 'worker-2', state: 'idle', sessionsRun: 0, createdAt: T0, retiredAt: null });
    await b.upsertWorker({ id: 'worker-1', state: 'busy', sessionsRun: 1, createdAt: T0, retiredAt: null });
    await c.upsertWorker({ id: 'worker-1', state: 'busy', sessionsRun: 0, createdAt: T0, retiredAt: null });

    await a.claim({ sessionId: 'a1', workerId: 'worker-1', now: T0, logPath });
    await b.claim({ sessionId: 'b1', workerId: 'worker-1', now: T0 + 1_000, logPath });
    await c.claim({ sessionId: 'c1', workerId: 'worker-1', now: T0 + 2_000, logPath });
    await a.finishSession('a1', { outcome: 'success', endedAt: T0 + 30_000 }, { status: 'done' });
    await b.finishSession('b1', { outcome: 'success', endedAt: T0 + 40_000 }, { status: 'done' });
    await a.claim({ sessionId: 'a2', workerId: 'worker-1', now: T0 + 41_000, logPath });
    await a.finishSession('a2', { outcome: 'failure', endedAt: T0 + 50_000, exitCode: 1 }, { status: 'failed' });
    await a.claim({ sessionId: 'a3', workerId: 'worker-1', now: T0 + 55_000, logPath });
    await b.claim({ sessionId: 'b2', workerId: 'worker-1', now: T0 + 56_000, logPath });
    // c's last heartbeat an hour ago (the server's clock), so its lease has run out without the test waiting for it.
    await pg.admin.query(`UPDATE ${schema}.coordinators SET heartbeat_at = clock_timestamp() - interval '1 hour' WHERE id = $1`, [ids.c]);
    expect(await b.reapExpired(T0 + 60_000)).toEqual([expect.objectContaining({ id: ids.c, sessions: 1 })]);
  });

  const clock = () => new VirtualClock(NOW);
  async function run(command: typeof metricsCommand | typeof statusCommand, args: Record<string, unknown>) {
    const io = makeIO(REPO);
    const code = await command({ io: io.io, store: withPassword(PG_URL), storeSchema: schema, clock: clock(), ...args });
    return { code, stdout: io.stdout(), stderr: io.stderr() };
  }

  it('reports the fleet as one store does, with each coordinator’s workers, sessions and throughput', async () => {
    const { code, stdout } = await run(metricsCommand, { json: true });
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as MetricsReport;
    expect(report).toMatchObject({
      live: true,
      now: NOW,
      nowSource: 'clock',
      currentWorkers: 3,
      activeWorkers: 2,
      idleWorkers: 1,
      totalSessionsCompleted: 2,
      totalSessionsFailed: 1,
      throughputPerMinute: 2,
      avgSessionDurationMs: 26_000,
      p95SessionDurationMs: 39_000,
      sessionsByOutcome: { success: 2, failure: 1, lost: 1, stalled: 0, timeout: 0, cancelled: 0 },
      issuesByStatus: { done: 2, failed: 1, running: 2, queued: 1 },
    });
    expect(report.state).toContain(`:***@`);
    expect(report.coordinators?.map((c) => [c.host, c.status])).toEqual([
      ['host-b', 'live'],
      ['host-a', 'live'],
      ['host-c', 'dead'],
    ]);
    const [b, a, c] = report.coordinators!;
    expect(a).toMatchObject({ id: ids.a, pid: 1, workers: { busy: 1, idle: 1, stalled: 0 }, running: 1, done: 1, failed: 1, lost: 0, throughputPerMinute: 1 });
    expect(b).toMatchObject({ id: ids.b, pid: 2, workers: { busy: 1, idle: 0, stalled: 0 }, running: 1, done: 1, failed: 0, lost: 0, throughputPerMinute: 1 });
    expect(c).toMatchObject({ id: ids.c, pid: 3, workers: { busy: 0, idle: 0, stalled: 0 }, running: 0, done: 0, failed: 0, lost: 1, endedAt: T0 + 60_000 });
    expect(c!.endedBy).toContain('no heartbeat');
    expect(a!.heartbeatAgeMs).toBeLessThan(600_000);
    expect(c!.heartbeatAgeMs).toBeGreaterThanOrEqual(3_600_000);
  });

  it('--since narrows each coordinator’s sessions with the fleet’s', async () => {
    // The 15 s before NOW hold one ending, c's lost session at T0 + 60 s; a's failure at T0 + 50 s is before them.
    const report = JSON.parse((await run(metricsCommand, { json: true, since: '15s' })).stdout) as MetricsReport;
    expect(report.sessionsByOutcome).toMatchObject({ success: 0, failure: 0, lost: 1 });
    expect(report.coordinators!.map((c) => [c.done, c.failed, c.lost])).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 1]]);
  });

  it('prints the fleet’s table and a line per coordinator, live ones first', async () => {
    const { code, stdout } = await run(metricsCommand, {});
    expect(code).toBe(0);
    expect(stdout).toMatch(/\(schema harness_test_\w+\) · fleet of 2 live coordinators \(3 recorded\) · now 2025-01-01 12:01:10 UTC/);
    expect(stdout).toContain('2/3 busy');
    expect(stdout).toContain('sessions: 2 success · 1 failure · 0 stalled · 0 timeout · 0 cancelled · 1 lost');
    const rows = stdout.split('\n').filter((l) => /│ host-/.test(l));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/host-b .*│ 2 +│ live .*ago .*1 busy \/ 0 idle .*│ 1 +│ 0 +│ 0 +│ 1\/min/);
    expect(rows[1]).toMatch(/host-a .*│ 1 +│ live .*1 busy \/ 1 idle .*│ 1 +│ 1 +│ 0 +│ 1\/min/);
    expect(rows[2]).toMatch(/host-c .*│ 3 +│ dead .*1h\d\dm ago .*0 busy \/ 0 idle .*│ 0 +│ 0 +│ 1 +│ 0\/min/);
    expect(stdout).not.toContain(SECRET);
  });

  it('--format prometheus keeps the fleet-wide series and adds each coordinator’s, labelled with its id', async () => {
    const { code, stdout } = await run(metricsCommand, { format: 'prometheus' });
    expect(code).toBe(0);
    expect(stdout).toContain('harness_run_live 1');
    expect(stdout).toContain('harness_workers{state="idle"} 1');
    expect(stdout).toContain('harness_sessions_total{outcome="success"} 2');
    // Durations 9 s, 30 s and 39 s.
    expect(stdout).toContain('harness_session_duration_seconds_bucket{le="10"} 1');
    expect(stdout).toContain('harness_session_duration_seconds_bucket{le="30"} 2');
    expect(stdout).toContain('harness_session_duration_seconds_bucket{le="60"} 3');
    expect(stdout).toContain('harness_session_duration_seconds_count 3');
    expect(stdout).toContain('harness_coordinators{state="live"} 2');
    expect(stdout).toContain('harness_coordinators{state="dead"} 1');
    expect(stdout).toContain(`harness_coordinator_up{coordinator="${ids.a}"} 1`);
    expect(stdout).toContain(`harness_coordinator_up{coordinator="${ids.c}"} 0`);
    expect(stdout).toContain(`harness_coordinator_workers{coordinator="${ids.a}",state="idle"} 1`);
    expect(stdout).toContain(`harness_coordinator_workers{coordinator="${ids.b}",state="busy"} 1`);
    expect(stdout).toContain(`harness_coordinator_sessions_total{coordinator="${ids.a}",outcome="failure"} 1`);
    expect(stdout).toContain(`harness_coordinator_sessions_total{coordinator="${ids.c}",outcome="lost"} 1`);
    expect(stdout).toContain(`harness_coordinator_info{coordinator="${ids.b}",host="host-b",pid="2",version="9.9.9",state="live"} 1`);
    expect(stdout).toMatch(new RegExp(`harness_coordinator_heartbeat_age_seconds\\{coordinator="${ids.c}"\\} 36\\d\\d`));
    expect(stdout).not.toContain(SECRET);
  });

  it('harness status lists every coordinator with host, pid, version, state, heartbeat age, lease, running sessions and why it ended', async () => {
    const { code, stdout } = await run(statusCommand, {});
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(new RegExp(`^postgres://postgres:\\*\\*\\*@${escapeRegExp(serverAt)}/postgres \\(schema \\w+\\) · 2 live coordinator\\(s\\) of 3 recorded$`));
    const rows = stdout.split('\n').filter((l) => /│ host-/.test(l));
    expect(rows[0]).toMatch(/host-b +│ 2 +│ 9\.9\.9 +│ live +│ [\d.]+(ms|s) ago +│ 10m00s +│ 4 +│ 1 +│ 2025-01-01 12:00:00/);
    expect(rows[2]).toMatch(/host-c .*│ dead .*1h\d\dm ago .*│ 1\.0s .*│ 0 .*no heartbeat for 1 s/);
    expect(stdout).not.toContain(SECRET);

    const json = JSON.parse((await run(statusCommand, { json: true })).stdout);
    expect(json.kind).toBe('postgres');
    expect(json.store).toMatch(/^postgres:\/\/postgres:\*\*\*@/);
    expect(json.coordinators).toHaveLength(3);
    expect(Object.keys(json.coordinators[0]).sort()).toEqual(
      ['endedAt', 'endedBy', 'heartbeatAgeMs', 'host', 'id', 'leaseMs', 'maxWorkers', 'pid', 'processStart', 'running', 'startedAt', 'state', 'status', 'token', 'version'].sort(),
    );
    expect(json.coordinators.map((c: { pid: number; status: string; running: number }) => [c.pid, c.status, c.running])).toEqual([
      [2, 'live', 1],
      [1, 'live', 1],
      [3, 'dead', 0],
    ]);
  });

  it('says a schema holds no store, exit 2, and does not make one', async () => {
    const missing = pg.schema();
    for (const command of [metricsCommand, statusCommand]) {
      const io = makeIO(REPO);
      await expect(command({ io: io.io, store: withPassword(PG_URL), storeSchema: missing, clock: clock() })).rejects.toMatchObject({
        exitCode: 2,
        message: expect.stringMatching(new RegExp(`^no harness store in schema ${missing} of postgres://postgres:\\*\\*\\*@${escapeRegExp(serverAt)}/postgres: run`)),
      });
    }
    const found = await pg.admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [missing]);
    expect(found.rowCount).toBe(0);
  });
});
