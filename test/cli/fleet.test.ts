import { join } from 'node:path';
import { expect, it } from 'vitest';
import { FIXTURES, guardProcesses, processesWithMarker, recordedEvents, tempDir, waitFor, writeIssues } from '../helpers/cli.js';
import { fleetUrl, startCoordinator, type Coordinator } from '../helpers/fleet.js';
import { describeWithPostgres, pgStores } from '../helpers/postgres.js';

/**
 * Coordinators of one fleet as separate processes on one PostgreSQL
 * store: killed with SIGKILL and started again, paused past their lease,
 * and held to a fleet-wide cap, with the agents' own records as witness.
 */
const describePg = describeWithPostgres('a fleet of coordinators');
const { cleanups, markers } = guardProcesses();

const RECORD = `"${process.execPath}" "${join(FIXTURES, 'record.mjs')}"`;

function setUp(count: number, name: string) {
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  const marker = `${name}-${Date.now()}`;
  markers.push(marker);
  const file = writeIssues(
    tmp.dir,
    Array.from({ length: count }, (_, i) => ({ id: `f${String(i).padStart(3, '0')}`, title: `issue ${i}` })),
  );
  return { dir: tmp.dir, marker, file, record: join(tmp.dir, 'agents.log') };
}

/** The most agents running at once, from their own start and end records. */
function mostAtOnce(events: { what: string; at: number }[]): number {
  let running = 0;
  let most = 0;
  // An end and a start at the same millisecond: the end first.
  for (const e of [...events].sort((a, b) => a.at - b.at || (a.what === 'end' ? -1 : 1))) {
    running += e.what === 'start' ? 1 : -1;
    most = Math.max(most, running);
  }
  return most;
}

describePg('a fleet of harness processes on one PostgreSQL store', () => {
  const pg = pgStores();

  /** Every issue's sessions, by outcome, read straight from the database. */
  async function outcomes(schema: string) {
    const issues = await pg.admin.query(`SELECT status, count(*)::int AS n FROM ${schema}.issues GROUP BY status`);
    const sessions = await pg.admin.query(
      `SELECT issue_id, array_agg(outcome ORDER BY n) AS outcomes, count(*) FILTER (WHERE outcome = 'success')::int AS successes FROM ${schema}.sessions GROUP BY issue_id`,
    );
    const open = await pg.admin.query(`SELECT count(*)::int AS n FROM ${schema}.sessions WHERE ended_at IS NULL`);
    return {
      status: Object.fromEntries(issues.rows.map((r: { status: string; n: number }) => [r.status, r.n])),
      sessions: sessions.rows as { issue_id: string; outcomes: string[]; successes: number }[],
      open: open.rows[0].n as number,
    };
  }

  it('does every issue exactly once while coordinators are killed with SIGKILL and started again', async () => {
    const s = setUp(200, 'fleet-kill');
    const schema = pg.schema();
    const args = ['--store', fleetUrl(schema), '--agent', RECORD, '--min-workers', '2', '--max-workers', '4', '--health-interval', '200ms', '--fleet-lease', '3s', '--quiet'];
    const env = { RECORD_TO: s.record, RECORD_PAUSE_MS: '500' };
    const start = (withFile: boolean) => startCoordinator(s.dir, withFile ? ['--issues', s.file, ...args] : args, s.marker, env);
    const fleet: Coordinator[] = [start(true), start(true), start(true)];
    let kills = 0;
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    while (kills < 10) {
      await new Promise((r) => setTimeout(r, 400 + random() * 500));
      const live = fleet.map((c, i) => [c, i] as const).filter(([c]) => c.exitCode === null && c.signalCode === null);
      if (live.length === 0) break;
      const [victim, at] = live[Math.floor(random() * live.length)]!;
      victim.kill('SIGKILL');
      await victim.exited;
      kills++;
      fleet[at] = start(false);
    }
    expect(kills).toBe(10);
    const codes = await Promise.all(fleet.map((c) => c.exited));
    expect(codes, fleet.map((c) => c.output()).join('\n---\n')).toEqual([0, 0, 0]);

    const after = await outcomes(schema);
    expect(after.status).toEqual({ done: 200 });
    expect(after.open).toBe(0);
    expect(after.sessions).toHaveLength(200);
    let lost = 0;
    for (const issue of after.sessions) {
      // One success per issue; every earlier session of it was lost with a coordinator.
      expect(issue.successes, issue.issue_id).toBe(1);
      expect(issue.outcomes.at(-1)).toBe('success');
      for (const outcome of issue.outcomes.slice(0, -1)) expect(outcome).toBe('lost');
      lost += issue.outcomes.length - 1;
    }
    expect(lost).toBeGreaterThan(0);
    // No agent of a killed coordinator outlives the fleet: its launcher stops what it ran within the kill grace, then exits.
    await waitFor(() => processesWithMarker(s.marker).length === 0, 15_000, "the fleet's processes to end");
  }, 150_000);

  it("refuses a paused coordinator's late writes once its lease ran out, and it stops", async () => {
    const s = setUp(3, 'fleet-pause');
    const schema = pg.schema();
    const args = ['--store', fleetUrl(schema), '--agent', RECORD, '--min-workers', '3', '--max-workers', '3', '--fleet-lease', '2s'];
    const paused = startCoordinator(s.dir, ['--issues', s.file, ...args], s.marker, { RECORD_TO: s.record, RECORD_PAUSE_MS: '3000' });
    await waitFor(() => recordedEvents(s.record).filter((e) => e.what === 'start').length === 3, 30_000, 'three agents started');
    paused.kill('SIGSTOP');
    let resumed = false;
    try {
      const other = startCoordinator(s.dir, args, s.marker, { RECORD_TO: s.record, RECORD_PAUSE_MS: '100' });
      expect(await other.exited, other.output()).toBe(0);
      expect(other.output()).toMatch(/presumed dead; 3 of its session\(s\) requeued/);
      // The paused coordinator is on this host: its agents were stopped when it was presumed dead, not left working on issues now someone else's.
      expect(other.output().match(/killed what was left of f00\d's session/g)).toHaveLength(3);
      expect(recordedEvents(s.record).filter((e) => e.what === 'end')).toHaveLength(3);
      paused.kill('SIGCONT');
      resumed = true;
      expect(await paused.exited, paused.output()).toBe(1);
      expect(paused.output()).toMatch(/presumed it dead/);
    } finally {
      if (!resumed) paused.kill('SIGCONT');
    }
    const after = await outcomes(schema);
    expect(after.status).toEqual({ done: 3 });
    for (const issue of after.sessions) expect(issue.outcomes).toEqual(['lost', 'success']);
  }, 90_000);

  it('never runs more agents across the fleet than fleet.maxWorkers, by the agents’ own records', async () => {
    const s = setUp(40, 'fleet-cap');
    const schema = pg.schema();
    const args = ['--store', fleetUrl(schema), '--issues', s.file, '--agent', RECORD, '--min-workers', '4', '--max-workers', '4', '--fleet-max-workers', '5', '--quiet'];
    const env = { RECORD_TO: s.record, RECORD_PAUSE_MS: '300' };
    const fleet = [0, 1, 2].map(() => startCoordinator(s.dir, args, s.marker, env));
    expect(await Promise.all(fleet.map((c) => c.exited)), fleet.map((c) => c.output()).join('\n---\n')).toEqual([0, 0, 0]);
    const events = recordedEvents(s.record);
    expect(events.filter((e) => e.what === 'end')).toHaveLength(40);
    expect(mostAtOnce(events)).toBeLessThanOrEqual(5);
    // The cap is what held them: twelve workers were there to run more.
    expect(mostAtOnce(events)).toBeGreaterThanOrEqual(4);
    const after = await outcomes(schema);
    expect(after.status).toEqual({ done: 40 });
  }, 90_000);
});

describePg('joining a fleet with no issues of its own', () => {
  const pg = pgStores();

  it('refuses a store that holds no issues yet, saying what to do, and runs nothing', async () => {
    const s = setUp(1, 'fleet-empty');
    const schema = pg.schema();
    // A schema that is not there (mistyped, say) is said so, and not created.
    const missing = startCoordinator(s.dir, ['--store', fleetUrl(schema), '--agent', RECORD], s.marker, { RECORD_TO: s.record });
    expect(await missing.exited).toBe(2);
    expect(missing.output()).toMatch(/no issues to work on: postgres:.* has no harness store in schema \w+ yet: pass --issues <file> \(which creates it\), or check the schema/);
    expect((await pg.admin.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema])).rows).toEqual([]);
    // A store that is there but holds no issue yet.
    await (await pg.open({ schema })).close();
    const empty = startCoordinator(s.dir, ['--store', fleetUrl(schema), '--agent', RECORD], s.marker, { RECORD_TO: s.record });
    expect(await empty.exited).toBe(2);
    expect(empty.output()).toMatch(/no issues to work on: the fleet's store .* holds none yet: pass --issues <file>, or start this coordinator once another has added its issues/);
    expect(recordedEvents(s.record)).toEqual([]);
  }, 30_000);

  it('joins the schema HARNESS_STORE_SCHEMA names when the URL names none', async () => {
    const s = setUp(1, 'fleet-env-schema');
    const schema = pg.schema();
    const url = new URL(fleetUrl(schema));
    url.searchParams.delete('schema');
    const coordinator = startCoordinator(s.dir, ['--store', url.toString(), '--issues', s.file, '--agent', RECORD], s.marker, { RECORD_TO: s.record, HARNESS_STORE_SCHEMA: schema });
    expect(await coordinator.exited, coordinator.output()).toBe(0);
    expect(coordinator.output()).toContain(`(schema ${schema})`);
    expect((await pg.admin.query(`SELECT count(*)::int AS n FROM ${schema}.issues WHERE status = 'done'`)).rows[0].n).toBe(1);
  }, 30_000);

  it('says there is nothing to do when every issue of the store is finished, and how to add or retry', async () => {
    const s = setUp(2, 'fleet-finished');
    const schema = pg.schema();
    const args = ['--store', fleetUrl(schema), '--issues', s.file, '--agent', RECORD];
    const first = startCoordinator(s.dir, args, s.marker, { RECORD_TO: s.record });
    expect(await first.exited, first.output()).toBe(0);
    expect(first.output()).not.toMatch(/nothing to do/);
    await pg.admin.query(`UPDATE ${schema}.issues SET status = 'failed' WHERE id = (SELECT min(id) FROM ${schema}.issues)`);
    const again = startCoordinator(s.dir, args, s.marker, { RECORD_TO: s.record });
    expect(await again.exited, again.output()).toBe(1);
    expect(again.output()).toMatch(
      /nothing to do: every issue in the fleet's store .* is finished \(1 done, 1 failed\); add issues with --issues <file>; `harness retry <id>\.\.\. --store <url>` gives failed issues a fresh budget/,
    );
    expect(recordedEvents(s.record).filter((e) => e.what === 'start')).toHaveLength(2);
  }, 30_000);
});

describePg("a fleet coordinator's dashboard", () => {
  const pg = pgStores();

  it('serves the whole fleet from --dashboard-port, its coordinator and running sessions included', async () => {
    const s = setUp(4, 'fleet-dashboard');
    const schema = pg.schema();
    const args = ['--store', fleetUrl(schema), '--issues', s.file, '--agent', RECORD, '--min-workers', '2', '--max-workers', '2', '--dashboard-port', '0'];
    const coordinator = startCoordinator(s.dir, args, s.marker, { RECORD_TO: s.record, RECORD_PAUSE_MS: '1500' });
    await waitFor(() => /dashboard: serving (http:\S+)/.test(coordinator.output()), 20_000, 'the dashboard address');
    const address = /dashboard: serving (http:\S+)/.exec(coordinator.output())![1]!;
    let state: { coordinators?: { host: string; state: string }[]; sessions?: unknown[] } = {};
    for (let i = 0; i < 100 && !(state.sessions?.length === 2); i++) {
      state = (await (await fetch(new URL('/api/state', address))).json()) as typeof state;
      if (state.sessions?.length !== 2) await new Promise((r) => setTimeout(r, 100));
    }
    expect(state.sessions).toHaveLength(2);
    expect(state.coordinators?.map((c) => c.state)).toEqual(['live']);
    expect(await coordinator.exited, coordinator.output()).toBe(0);
  }, 60_000);
});

describePg('budgets across a fleet', () => {
  const pg = pgStores();

  it('holds every coordinator once the fleet together has spent --max-cost-usd', async () => {
    const s = setUp(20, 'fleet-budget');
    const schema = pg.schema();
    const result = { type: 'result', subtype: 'success', is_error: false, num_turns: 1, session_id: 'c0ffee00-1111-2222-3333-444455556666', total_cost_usd: 1, result: 'Fixed.' };
    const env = { FIXTURE_SCRIPT: JSON.stringify([{ sleep: 300 }, { out: result }]) };
    const agent = `"${process.execPath}" "${join(FIXTURES, 'stream-json.mjs')}"`;
    const args = ['--store', fleetUrl(schema), '--issues', s.file, '--agent', agent, '--agent-format', 'claude-stream-json'];
    const budget = ['--min-workers', '1', '--max-workers', '1', '--max-cost-usd', '3'];
    const fleet = [0, 1].map(() => startCoordinator(s.dir, [...args, ...budget], s.marker, env));
    const codes = await Promise.all(fleet.map((c) => c.exited));
    expect(codes, fleet.map((c) => c.output()).join('\n---\n')).toEqual([3, 3]);
    for (const c of fleet) expect(c.output()).toMatch(/budget reached: \$\d+\.\d\d spent of --max-cost-usd \$3\.00/);
    const spent = await pg.admin.query(`SELECT count(*)::int AS n FROM ${schema}.sessions WHERE outcome = 'success'`);
    // Each alone would have spent $3: together they stop at $3, and at most the one session each had started by then.
    expect(spent.rows[0].n).toBeGreaterThanOrEqual(3);
    expect(spent.rows[0].n).toBeLessThanOrEqual(5);
  }, 60_000);
});
