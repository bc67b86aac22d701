/**
 * The dashboard on a fleet's PostgreSQL store: the same API as on a state
 * file, its figures per coordinator, texts as stored, logs only where they
 * are on this host, and actions posted for any coordinator to take.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDashboard, type ServedDashboard } from '../../src/dashboard/serve.js';
import type { DashboardState } from '../../src/dashboard/data.js';
import { storeOption } from '../../src/cli/commands/dashboard.js';
import { openPostgresDashboard } from '../../src/dashboard/pg-open.js';
import { realClock } from '../../src/runtime/clock.js';
import type { PostgresStore } from '../../src/store/postgres/index.js';
import { tempDir } from '../helpers/cli.js';
import { describeWithPostgres, freshSchema, PG_URL, pgStores } from '../helpers/postgres.js';
import { OTHER_HOST, PG_HOSTILE_TITLE, seedFleet, type SeededFleet } from './pg-fixtures.js';

const describePg = describeWithPostgres('the dashboard on PostgreSQL');

describePg('the dashboard on a PostgreSQL store', () => {
  const pg = pgStores();
  const tmp = tempDir('harness-dashboard-pg-');
  let here: PostgresStore;
  let seeded: SeededFleet;
  let dashboard: ServedDashboard;
  let base: string;
  let schema: string;

  beforeAll(async () => {
    here = await pg.open();
    schema = here.schema;
    const other = await pg.open({ schema });
    const gone = await pg.open({ schema });
    seeded = await seedFleet({ here, other, gone }, tmp.dir);
    dashboard = await serveDashboard({ store: { url: PG_URL, schema }, port: 0, allowActions: true, stallTimeoutMs: 30_000, updateMs: 50 });
    base = `http://127.0.0.1:${dashboard.server.port}`;
  }, 30_000);

  afterAll(async () => {
    await dashboard?.close();
    tmp.cleanup();
  });

  const state = async () => (await (await fetch(`${base}/api/state`)).json()) as DashboardState;

  it('shows each coordinator with its host, pid, state, heartbeat age and workers', async () => {
    const s = await state();
    expect(s.live).toBe(true);
    expect(s.state).toContain(`(schema ${schema})`);
    const byId = new Map(s.coordinators.map((c) => [c.id, c]));
    expect(s.coordinators.map((c) => c.id)).toEqual([seeded.ids.other, seeded.ids.here, seeded.ids.gone]);
    expect(byId.get(seeded.ids.here)).toMatchObject({ pid: 100, state: 'live', live: true, maxWorkers: 4, workers: { busy: 1, idle: 1, draining: 1, stalled: 0 } });
    expect(byId.get(seeded.ids.other)).toMatchObject({ hostname: OTHER_HOST, pid: 200, state: 'live', workers: { busy: 1, idle: 0, draining: 0, stalled: 0 } });
    expect(byId.get(seeded.ids.gone)).toMatchObject({ pid: 300, state: 'ended', live: false, endedBy: 'its run ended', workers: { busy: 0, idle: 0, draining: 0 } });
    for (const c of s.coordinators) expect(c.heartbeatAgeMs).toBeGreaterThanOrEqual(0);
    expect(byId.get(seeded.ids.here)!.heartbeatAgeMs).toBeLessThan(600_000);
  });

  it('adds the live coordinators up into the fleet at a glance: workers, queue, outcomes, cost, holds', async () => {
    const s = await state();
    expect(s.fleet.workers).toEqual({ current: 4, busy: 2, idle: 1, draining: 1, stalled: 0 });
    expect(s.fleet.queueDepth).toBe(1);
    expect(s.fleet.completed).toBe(1);
    expect(s.fleet.failed).toBe(1);
    expect(s.fleet.successRate).toBe(0.5);
    expect(s.fleet.latency.p50Ms).toBe(6_000);
    expect(s.fleet.latency.p95Ms).toBe(10_000);
    expect(s.fleet.spend).toMatchObject({ costUsd: 0.75, inputTokens: 2200, outputTokens: 400, runningCostUsd: 0.25 });
    expect(s.fleet.scaleOperations).toEqual({ up: 1, down: 0 });
    expect(s.issues.counts).toMatchObject({ done: 1, failed: 1, running: 3, queued: 1 });
    expect(s.holds.map((h) => h.kind)).toEqual(['budget']);
    expect(s.charts.points.length).toBeGreaterThan(0);
    const kinds = s.events.map((e) => e.kind);
    expect(kinds).toContain('session:failed');
    expect(kinds).toContain('scale:up');
  });

  it('lists the running sessions with their coordinator; a log on another host is not read, and says where it is', async () => {
    const s = await state();
    const sessions = new Map(s.sessions.map((x) => [x.id, x]));
    expect([...sessions.keys()].sort()).toEqual(['s-a1', 's-a2', 's-h1']);
    expect(sessions.get('s-h1')).toMatchObject({ title: PG_HOSTILE_TITLE, coordinator: seeded.ids.here, logHost: null, hasLog: true, activity: { source: 'log', text: 'second <b>line</b>' } });
    expect(sessions.get('s-a1')).toMatchObject({ coordinator: seeded.ids.here, activity: { source: 'agent', text: 'Bash: npm test' }, costUsd: 0.25 });
    expect(sessions.get('s-a2')).toMatchObject({ coordinator: seeded.ids.other, logHost: OTHER_HOST, hasLog: false, activity: null });

    const text = await fetch(`${base}/api/sessions/s-h1/log.txt`);
    expect(text.status).toBe(200);
    expect(await text.text()).toBe('first line\nsecond <b>line</b>\n');
    const elsewhere = await fetch(`${base}/api/sessions/s-a2/log.txt`);
    expect(elsewhere.status).toBe(404);
    expect(((await elsewhere.json()) as { error: string }).error).toMatch(new RegExp(`ran on ${OTHER_HOST.replaceAll('.', '\\.')}.*its log is a file there`));
    const stream = await (await fetch(`${base}/api/sessions/s-a2/log`)).text();
    expect(stream).toContain(`event: end\ndata: ${JSON.stringify({ outcome: null, noOutput: true, elsewhere: OTHER_HOST })}`);
    expect((await fetch(`${base}/api/sessions/nobody/log`)).status).toBe(404);
  });

  it('hands texts out as stored, as JSON, and the page carries none of them', async () => {
    const response = await fetch(`${base}/api/state`);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.text()).toContain(JSON.stringify(PG_HOSTILE_TITLE));
    const html = await (await fetch(`${base}/`)).text();
    expect(html).not.toContain('onerror=alert');
    expect(html.match(/<script/g)).toHaveLength(1);
  });

  it('pages, filters and searches the issue table, and shows one issue with its attempts', async () => {
    const page = async (query: string) => (await (await fetch(`${base}/api/issues?${query}`)).json()) as { total: number; version: string; rows: { issue: { id: string; title: string } }[] };
    expect((await page('')).total).toBe(6);
    expect((await page('status=failed')).rows.map((r) => r.issue.id)).toEqual(['F-1']);
    expect((await page('q=a-')).rows.map((r) => r.issue.id).sort()).toEqual(['A-1', 'A-2']);
    expect((await page('q=%25')).total).toBe(0);
    expect((await page('q=%3Cimg')).rows.map((r) => r.issue.title)).toEqual([PG_HOSTILE_TITLE]);
    expect((await page('limit=2&offset=5')).rows).toHaveLength(1);
    expect((await page('')).version).toBe((await state()).issues.version);
    const detail = (await (await fetch(`${base}/api/issues/F-1`)).json()) as { attempts: { outcome: string }[] };
    expect(detail.attempts.map((a) => a.outcome)).toEqual(['failure']);
    expect((await fetch(`${base}/api/issues/nope`)).status).toBe(404);
  });

  it('posts an action with the token to the store, for any coordinator to take', async () => {
    const post = (headers: Record<string, string>) => fetch(`${base}/api/actions`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: '{"kind":"cancel-session","target":"s-a2"}' });
    expect((await post({})).status).toBe(401);
    const ok = await post({ 'X-Harness-Token': dashboard.token! });
    expect(ok.status).toBe(202);
    const taken = await here.takeControls(Date.now());
    expect(taken).toEqual([expect.objectContaining({ kind: 'cancel-session', target: 's-a2', requestedBy: 'the dashboard' })]);
  });

  it('sends each open page a new state when the store changes', async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/api/stream`, { signal: controller.signal });
    const reader = response.body!.getReader();
    let text = '';
    const states = () => text.split('\n').filter((l) => l.startsWith('data: ') && l.includes('"coordinators"')).map((l) => JSON.parse(l.slice(6)) as DashboardState);
    let lifted = false;
    try {
      // Once the first state is in, the hold is lifted: a later state shows it so.
      while (!states().some((s) => s.holds.every((h) => h.endedAt !== null))) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
        if (!lifted && states().length > 0) {
          lifted = true;
          await here.endHold('budget', Date.now(), 'lifted in a test');
        }
      }
    } finally {
      controller.abort();
    }
    expect(states()[0]!.holds.filter((h) => h.endedAt === null)).toHaveLength(1);
    expect(states().at(-1)!.holds.filter((h) => h.endedAt === null)).toHaveLength(0);
  });
});

describePg('opening a PostgreSQL store for the dashboard', () => {
  const pg = pgStores();
  const options = { hostname: 'h', stallTimeoutMs: 30_000, clock: realClock };

  it('refuses a schema that holds no harness state, and never creates it', async () => {
    const schema = freshSchema();
    await expect(openPostgresDashboard({ ...options, url: PG_URL, schema }, false)).rejects.toThrow(/no harness state in PostgreSQL store .*schema harness_test_.*harness run --store/);
    expect((await pg.admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount).toBe(0);
  });

  it('says what failed with the password masked', async () => {
    const url = 'postgres://postgres:s3cret-word@127.0.0.1:1/postgres';
    const error = await openPostgresDashboard({ ...options, url, schema: 'harness' }, false).then(
      () => new Error('opened a store that is not there'),
      (e: unknown) => e as Error,
    );
    expect(error.message).toMatch(/^cannot /);
    expect(error.message).not.toContain('s3cret-word');
    expect(error.message).toContain('postgres://postgres:***@127.0.0.1:1/postgres');
  });
});

describe('storeOption', () => {
  it.each([
    [{ store: 'postgres://u:pw@db/h' }, {}, { url: 'postgres://u:pw@db/h', schema: 'harness' }],
    [{}, { HARNESS_STORE_URL: 'postgresql://db/h', HARNESS_STORE_SCHEMA: 'fleet_a' }, { url: 'postgresql://db/h', schema: 'fleet_a' }],
    [{ store: 'postgres://db/h', storeSchema: 'mine' }, { HARNESS_STORE_SCHEMA: 'fleet_a' }, { url: 'postgres://db/h', schema: 'mine' }],
    // --state outranks the environment.
    [{ state: 'x.db' }, { HARNESS_STORE_URL: 'postgres://db/h' }, null],
    [{}, {}, null],
  ])('%o with %o', (options, env, expected) => {
    expect(storeOption(options, env)).toEqual(expected);
  });

  it.each([
    [{ store: 'postgres://db/h', state: 'x.db' }, {}, /--store and --state/],
    [{ store: 'mysql://u:hunter2@db/h' }, {}, /^--store: expected a PostgreSQL URL .*received "mysql:\/\/u:\*\*\*@db\/h"$/],
    [{}, { HARNESS_STORE_URL: 'db.example:5432' }, /^HARNESS_STORE_URL: expected a PostgreSQL URL/],
    [{ store: 'postgres://db/h', storeSchema: 'Bad-Name' }, {}, /^--store-schema: expected a schema name/],
  ])('refuses %o with %o', (options, env, message) => {
    expect(() => storeOption(options, env)).toThrow(message);
  });
});
