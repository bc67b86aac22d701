import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { MetricsReport } from '../../src/metrics/report.js';
import { makeIO, REPO } from '../helpers/cli.js';
import { describeWithPostgres, PG_URL, pgStores } from '../helpers/postgres.js';
import { makeStore } from '../metrics/helpers.js';

const SECRET = 's3cret-of-the-fleet';
const withPassword = (url: string): string => {
  const parsed = new URL(url);
  parsed.password = SECRET;
  return parsed.toString();
};
/** Nothing listens on port 1 of this machine: the connection is refused at once. */
const UNREACHABLE = `postgres://harness:${SECRET}@127.0.0.1:1/fleet`;

async function harness(args: string[], env: Record<string, string> = {}) {
  const io = makeIO(REPO, env);
  const code = await main(args, io.io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe('harness metrics --store and harness status: flags and errors', () => {
  it.each([
    [['metrics', '--store', 'postgres://h/db', '--state', 'x.db'], /--store and --state name two different stores/],
    [['status', '--store', 'postgres://h/db', '--state', 'x.db'], /--store and --state name two different stores/],
    [['metrics', '--store', 'postgres://h/db', '--chart'], /--chart reads a state file/],
    [['metrics', '--store', 'postgres://h/db', '--issue', 'A'], /--issue reads a state file/],
    [['metrics', '--store', '/var/state.db'], /--store: expected a PostgreSQL URL .*for a state file pass --state <path>/],
    [['status', '--store-schema', 'fleet', '--state', 'x.db'], /--store-schema applies to a PostgreSQL store/],
    [['status', '--store', 'postgres://h/db?schema=team_a', '--store-schema', 'team_b'], /--store-schema team_b and the URL's \?schema=team_a name two schemas/],
  ])('%j exits 2 saying what to pass', async (args, message) => {
    const result = await harness(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it.each([['metrics'], ['status']])('%s: a server that cannot be reached is one line, exit 2, with the password masked', async (command) => {
    const result = await harness([command, '--store', UNREACHABLE]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^harness: cannot open PostgreSQL store postgres:\/\/harness:\*\*\*@127\.0\.0\.1:1\/fleet \(schema harness\): .*ECONNREFUSED.*check that the server is running/);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr + result.stdout).not.toContain(SECRET);
  });

  it('takes the store from HARNESS_STORE_URL, and --state still chooses a state file over it', async () => {
    const fromEnv = await harness(['status'], { HARNESS_STORE_URL: UNREACHABLE });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain('postgres://harness:***@127.0.0.1:1/fleet');
    expect(fromEnv.stderr).not.toContain(SECRET);

    const t = makeStore();
    try {
      const state = await harness(['status', '--state', t.path], { HARNESS_STORE_URL: UNREACHABLE });
      expect(state.code).toBe(0);
      expect(state.stdout).toContain('a state file has one coordinator at most: no harness holds it');
      t.store.acquireRunLock({ pid: process.pid, hostname: hostname(), startedAt: 1, heartbeatAt: Date.now() }, () => true);
      const held = await harness(['status', '--state', t.path, '--json']);
      expect(JSON.parse(held.stdout)).toMatchObject({ kind: 'sqlite', live: true, holder: 'live', run: { pid: process.pid } });
      expect((await harness(['status', '--state', t.path])).stdout).toMatch(/held by pid \d+ on .*, heartbeat .* ago/);
    } finally {
      t.cleanup();
    }
  });

  it('takes the store from the config file', async () => {
    const t = makeStore();
    try {
      writeFileSync(join(t.dir, 'harness.config.json'), JSON.stringify({ store: UNREACHABLE }));
      const io = makeIO(t.dir);
      expect(await main(['metrics', '--json'], io.io)).toBe(2);
      expect(io.stderr()).toContain('cannot open PostgreSQL store postgres://harness:***@127.0.0.1:1/fleet');
      expect(io.stderr()).not.toContain(SECRET);
    } finally {
      t.cleanup();
    }
  });

  it('the bin maps an unreachable store to exit 2', () => {
    const result = spawnSync(process.execPath, [join(REPO, 'bin', 'harness.js'), 'status', '--store', UNREACHABLE], { encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('cannot open PostgreSQL store postgres://harness:***@127.0.0.1:1/fleet');
    expect(result.stderr).not.toContain(SECRET);
  });
});

const describePg = describeWithPostgres('harness metrics --store and harness status from the CLI');

describePg('harness metrics --store and harness status against a server', () => {
  const pg = pgStores();
  let schema = '';

  beforeAll(async () => {
    const store = await pg.open();
    schema = store.schema;
    await store.joinFleet({ host: 'cli-host', pid: 42, processStart: null, version: '1.2.3', maxWorkers: 2, startedAt: Date.now(), leaseMs: 600_000, fleetMaxWorkers: null });
  });

  it('metrics --json is the report with its coordinators; status --json lists them; neither shows the password', async () => {
    const url = withPassword(PG_URL);
    const metrics = await harness(['metrics', '--store', url, '--store-schema', schema, '--json']);
    expect(metrics.stderr).toBe('');
    expect(metrics.code).toBe(0);
    const report = JSON.parse(metrics.stdout) as MetricsReport;
    expect(report).toMatchObject({ live: true, currentWorkers: 0, coordinators: [{ host: 'cli-host', pid: 42, status: 'live' }] });
    const status = await harness(['status', '--store', url, '--store-schema', schema]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/cli-host +│ 42 +│ 1\.2\.3 +│ live/);
    const prometheus = await harness(['metrics', '--format', 'prometheus', '--store-schema', schema], { HARNESS_STORE_URL: url });
    expect(prometheus.stdout).toMatch(/harness_coordinator_up\{coordinator="cli-host:42:\d+"\} 1/);
    for (const output of [metrics, status, prometheus]) expect(output.stdout + output.stderr).not.toContain(SECRET);
  });

  it("takes the schema from the URL's ?schema=, as harness run does", async () => {
    const url = new URL(withPassword(PG_URL));
    url.searchParams.set('schema', schema);
    const result = await harness(['status', '--json', '--store', url.toString()]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ store: expect.stringContaining(`(schema ${schema})`), coordinators: [{ host: 'cli-host' }] });
    expect(result.stdout).not.toContain(SECRET);
  });

  it("states the fleet's cap on sessions, the tightest of its live coordinators'", async () => {
    const store = await pg.open();
    await store.joinFleet({ host: 'capped', pid: 7, processStart: null, version: '1', maxWorkers: 4, startedAt: Date.now(), leaseMs: 600_000, fleetMaxWorkers: 5 });
    const text = await harness(['status', '--store', PG_URL, '--store-schema', store.schema]);
    expect(text.stdout).toMatch(/1 live coordinator\(s\) of 1 recorded · at most 5 sessions across the fleet \(fleet\.maxWorkers\)/);
    const json = await harness(['status', '--json', '--store', PG_URL, '--store-schema', store.schema]);
    expect(JSON.parse(json.stdout)).toMatchObject({ fleetMaxWorkers: 5 });
    expect(JSON.parse((await harness(['status', '--json', '--store', PG_URL, '--store-schema', schema])).stdout)).toMatchObject({ fleetMaxWorkers: null });
  });

  it('takes the schema from HARNESS_STORE_SCHEMA when neither the URL nor --store-schema names one', async () => {
    const result = await harness(['status', '--json', '--store', withPassword(PG_URL)], { HARNESS_STORE_SCHEMA: schema });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ store: expect.stringContaining(`(schema ${schema})`), coordinators: [{ host: 'cli-host' }] });
  });

  it('a schema of another name is one line, exit 2', async () => {
    const result = await harness(['status', '--store', withPassword(PG_URL), '--store-schema', 'no_such_fleet_schema']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^harness: no harness store in schema no_such_fleet_schema of postgres:\/\/postgres:\*\*\*@.*--store-schema <name>/);
    expect(result.stderr).not.toContain(SECRET);
  });
});

describePg('harness retry --store', () => {
  const pg = pgStores();

  it('puts failed issues of a fleet back in the queue, all or nothing, and never creates a schema', async () => {
    const store = await pg.open();
    await store.importIssues(
      ['a', 'b'].map((id) => ({ id, title: id, body: '', priority: 0, labels: [], blockedBy: [] })),
      1,
    );
    await store.admit(2, 1);
    await store.claim({ sessionId: 's-a', workerId: 'w', now: 2, logPath: () => null, issueId: 'a' });
    await store.finishSession('s-a', { outcome: 'failure', endedAt: 3 }, { status: 'failed', lastError: 'exit 1' });
    const url = withPassword(PG_URL);

    const refused = await harness(['retry', 'a', 'b', 'zz', '--store', url, '--store-schema', store.schema]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/cannot retry: only failed issues can be retried, and nothing was changed:\n {2}- zz: no such issue in postgres:\/\/postgres:\*\*\*@.*\n {2}- b: it is queued, not failed/);
    expect((await store.getIssue('a'))?.status).toBe('failed');

    const retried = await harness(['retry', 'a', '--store-schema', store.schema], { HARNESS_STORE_URL: url });
    expect(retried.code).toBe(0);
    expect(retried.stdout).toMatch(/^retried 1 issue\(s\) in postgres:\/\/postgres:\*\*\*@.*: a\. Each is back in the queue .*the fleet's live coordinators take them up/);
    expect(await store.getIssue('a')).toMatchObject({ status: 'backlog', attempts: 0, priorAttempts: 1 });

    const missing = await harness(['retry', 'a', '--store', url, '--store-schema', 'no_such_retry_schema']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no harness store in schema no_such_retry_schema/);
    const created = await pg.admin.query("SELECT 1 FROM information_schema.schemata WHERE schema_name = 'no_such_retry_schema'");
    expect(created.rows).toEqual([]);
    for (const output of [refused, retried, missing]) expect(output.stdout + output.stderr).not.toContain(SECRET);
  });
});

describePg('harness logs --store', () => {
  const pg = pgStores();

  it("prints a session's log from the fleet's store on the host that ran it, says where it is from another, and ends a follow whose coordinator died", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'harness-fleet-logs-'));
    try {
      const here = await pg.open();
      const there = await pg.open({ schema: here.schema });
      const issues = ['a', 'b'].map((id) => ({ id, title: id, body: '', priority: 0, labels: [], blockedBy: [] }));
      await here.importIssues(issues, 1);
      await here.admit(2, 1);
      const enter = (store: typeof here, host: string, pid: number) =>
        store.joinFleet({ host, pid, processStart: null, version: '1', maxWorkers: 1, startedAt: Date.now(), leaseMs: 600_000, fleetMaxWorkers: null });
      await enter(here, hostname(), 4242);
      await enter(there, 'another-host', 4343);
      const log = join(dir, 'a.log');
      writeFileSync(log, 'agent says \u001b[31mhi\u001b[0m\n');
      await here.claim({ sessionId: 's-a', workerId: 'w', now: 2, logPath: () => log, issueId: 'a' });
      await there.claim({ sessionId: 's-b', workerId: 'w', now: 2, logPath: () => '/far/away/b.log', issueId: 'b' });
      const url = withPassword(PG_URL);

      const printed = await harness(['logs', 'a', '--store', url, '--store-schema', here.schema]);
      expect(printed.code, printed.stderr).toBe(0);
      expect(printed.stdout).toBe('agent says \u001b[31mhi\u001b[0m\n');
      expect(printed.stderr).toMatch(/==> .*a\.log \(issue "a", attempt 1, running\) <==/);

      const elsewhere = await harness(['logs', 'b', '--store', url, '--store-schema', here.schema]);
      expect(elsewhere.code).toBe(2);
      expect(elsewhere.stderr).toMatch(/attempt 1 of issue "b" ran on host another-host, and its log is there \(\/far\/away\/b\.log\): run harness logs on that host/);

      // A coordinator that stopped renewing its lease (killed, with no other coordinator to declare it dead): a follow stops too.
      const late = await pg.open({ schema: here.schema });
      await late.importIssues([{ id: 'c', title: 'c', body: '', priority: 0, labels: [] }], 1);
      await late.admit(1, 1);
      await late.joinFleet({ host: hostname(), pid: 4444, processStart: null, version: '1', maxWorkers: 1, startedAt: Date.now(), leaseMs: 50, fleetMaxWorkers: null });
      await late.claim({ sessionId: 's-c', workerId: 'w', now: 2, logPath: () => join(dir, 'c.log'), issueId: 'c' });
      await new Promise((resolve) => setTimeout(resolve, 150));
      const stale = await harness(['logs', 'c', '--follow', '--store', url, '--store-schema', here.schema]);
      expect(stale.code).toBe(0);
      expect(stale.stderr).toMatch(/its coordinator \S+ has not renewed its lease for \d+ s \(lease 0 s\); the fleet requeues it as lost once another coordinator declares that one dead/);

      // Its coordinator ends without ending the session: a follow stops and says what ends it.
      await here.leaveFleet(3, 'test');
      const followed = await harness(['logs', 'a', '--follow', '--store', url, '--store-schema', here.schema]);
      expect(followed.code).toBe(0);
      expect(followed.stderr).toMatch(/the session is still open but its coordinator \S+ is ended; the fleet requeues it as lost/);
      for (const output of [printed, elsewhere, followed]) expect(output.stdout + output.stderr).not.toContain(SECRET);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
