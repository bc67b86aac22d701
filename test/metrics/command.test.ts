import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { MetricsReport } from '../../src/metrics/report.js';
import { FIXTURES, REPO, guardProcesses, makeIO, waitFor, writeIssues } from '../helpers/cli.js';
import { finishedRun, makeStore, recordSessions, report, type TestStore } from './helpers.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const SEED_FIELDS = [
  'currentWorkers', 'activeWorkers', 'idleWorkers', 'stalledWorkers', 'queueDepth', 'mergeQueueDepth', 'throughputPerMinute',
  'avgSessionDurationMs', 'p95SessionDurationMs', 'p99SessionDurationMs', 'successRate', 'totalSessionsCompleted',
  'totalSessionsFailed', 'health', 'backpressureActive', 'scaleOperations',
];

// Every test cleans up after itself and leaves no process behind.
const { cleanups, markers } = guardProcesses();

/** A finished store: three issues, five sessions, one of each way to end. */
function sampleStore(): TestStore {
  const t = makeStore();
  cleanups.push(t.cleanup);
  recordSessions(t.store, [
    { issueId: 'ISSUE-1', startedAt: T0, endedAt: T0 + 12_000, outcome: 'failure', exitCode: 1, reason: 'exit code 1', workerId: 'worker-1', output: 'tried\n' },
    { issueId: 'ISSUE-1', startedAt: T0 + 20_000, endedAt: T0 + 620_000, outcome: 'stalled', signal: 'SIGTERM', reason: 'no progress for 10m', workerId: 'worker-2' },
    { issueId: 'ISSUE-1', startedAt: T0 + 700_000, endedAt: T0 + 730_000, outcome: 'success', exitCode: 0, reason: 'exit code 0', workerId: 'worker-1', then: 'done' },
    { issueId: 'ISSUE-2', startedAt: T0, endedAt: T0 + 45_000, outcome: 'success', exitCode: 0, then: 'done' },
    { issueId: 'ISSUE-3', startedAt: T0 + 725_000 },
  ]);
  t.store.recordScaleOperation({ at: T0 + 1000, direction: 'up', from: 2, to: 4, reason: 'queue 9 ÷ 2 workers = 4.50 > 2' });
  for (let i = 0; i < 30; i++) {
    t.store.recordSnapshot({
      at: T0 + i * 30_000, currentWorkers: 2 + (i % 3), activeWorkers: 2, idleWorkers: i % 3, stalledWorkers: 0, queueDepth: 30 - i, mergeQueueDepth: 0,
      throughputPerMinute: 0, avgSessionDurationMs: 0, p95SessionDurationMs: 0, p99SessionDurationMs: 0, successRate: 1,
      totalSessionsCompleted: 0, totalSessionsFailed: 0, health: 'healthy', backpressureActive: false, scaleOperations: 0,
    });
  }
  return t;
}

async function metrics(t: TestStore | null, args: string[], cwd = t?.dir ?? REPO) {
  const io = makeIO(cwd);
  const code = await main(['metrics', ...(t ? ['--state', t.path] : []), ...args], io.io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe('harness metrics', () => {
  it('says what to do, with exit 2 and no stack trace, when there is no store', async () => {
    const t = makeStore();
    cleanups.push(t.cleanup);
    const result = await metrics(null, [], t.dir + '/elsewhere');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('harness: no harness state at .harness/state.db (not found): run `harness run` first or pass --state <path>\n');
    const explicit = await metrics(null, ['--state', 'missing.db'], t.dir);
    expect(explicit.stderr).toContain('no harness state at missing.db');
  });

  it('--json carries the seed field names, then sessions by outcome, issues by status and events', async () => {
    const t = sampleStore();
    const { code, stdout } = await metrics(t, ['--json']);
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as MetricsReport;
    expect(Object.keys(json).slice(0, SEED_FIELDS.length)).toEqual(SEED_FIELDS);
    expect(json).toMatchObject({
      queueDepth: 0,
      totalSessionsCompleted: 2,
      totalSessionsFailed: 2,
      successRate: 0.5,
      scaleOperations: 1,
      live: false,
      sessionsByOutcome: { success: 2, failure: 1, stalled: 1, timeout: 0, cancelled: 0, lost: 0 },
      issuesByStatus: { backlog: 0, queued: 0, running: 1, merging: 0, done: 2, failed: 0 },
    });
    expect(json.events.map((e) => e.type)).toEqual(['scale:up', 'session:stalled']);
    // Same as --format json, and the same numbers as the library computes.
    expect(JSON.parse((await metrics(t, ['--format', 'json'])).stdout)).toEqual(json);
    const direct = report(t, finishedRun(0, { state: t.path }));
    expect({ ...json, state: t.path }).toEqual(JSON.parse(JSON.stringify(direct)));
  });

  it('prints the table, the counts and the latest events, saying the run is not live', async () => {
    const { code, stdout } = await metrics(sampleStore(), []);
    expect(code).toBe(0);
    expect(stdout).toMatch(/no live run: figures as of the last recorded activity, 2025-01-01 12:14:30 UTC/);
    expect(stdout).toContain('50.0% (2 ok, 2 failed)');
    expect(stdout).toContain('sessions: 2 success · 1 failure · 1 stalled · 0 timeout · 0 cancelled · 0 lost');
    expect(stdout).toContain('12:00:01  ▲ scale up 2 → 4: queue 9 ÷ 2 workers = 4.50 > 2');
    expect(stdout).toContain('12:10:20  ⚠ ISSUE-1 stalled on worker-2');
    expect(stdout).not.toMatch(/\u001b\[/);
  });

  it('--since narrows the sessions and events and says so', async () => {
    const t = sampleStore();
    // Figures are as of the last snapshot, 12:14:30; three minutes back keeps only ISSUE-1's success at 12:12:10.
    const json = JSON.parse((await metrics(t, ['--json', '--since', '3m'])).stdout) as MetricsReport;
    expect([json.totalSessionsCompleted, json.totalSessionsFailed, json.events.length]).toEqual([1, 0, 0]);
    expect((await metrics(t, ['--since', '3m'])).stdout).toContain('sessions since 2025-01-01 12:11:30 UTC (last 3m00s)');
  });

  it('--issue lists every attempt: worker, start, duration, outcome, exit code or signal, log', async () => {
    const t = sampleStore();
    const { code, stdout } = await metrics(t, ['--issue', 'ISSUE-1']);
    expect(code).toBe(0);
    expect(stdout).toContain('issue ISSUE-1: title of ISSUE-1');
    expect(stdout).toContain('status done');
    const rows = stdout.split('\n').filter((l) => /│ \d+ +│ worker-/.test(l));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/worker-1 .*2025-01-01 12:00:00 .*12\.0s .*failure .*code 1 .*\/logs\/ISSUE-1-0\.log/);
    // A session that printed nothing has no log file.
    expect(rows[1]).toMatch(/worker-2 .*10m00s .*stalled .*SIGTERM .*\(no output\)/);
    expect(rows[2]).toMatch(/success .*code 0/);
    expect(stdout).toContain('attempt 2: stalled, no progress for 10m');
    expect(stdout).not.toContain('attempt 3:');

    const running = JSON.parse((await metrics(t, ['--issue', 'ISSUE-3', '--json'])).stdout);
    expect(running.sessions).toHaveLength(1);
    expect(running.sessions[0]).toMatchObject({ outcome: null, endedAt: null, workerId: 'worker-1', logPath: null, noOutput: true });

    const unknown = await metrics(t, ['--issue', 'NOPE']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no issue "NOPE"');
  });

  it('--chart draws workers and queue depth over time in 80 columns', async () => {
    const t = sampleStore();
    const { code, stdout } = await metrics(t, ['--chart']);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toContain('no live run');
    expect(lines[1]).toBe('workers (peak 4)');
    expect(lines.find((l) => l.startsWith('queue depth'))).toBe('queue depth (peak 30)');
    expect(lines.at(-1)).toMatch(/12:00:00 +12:14:30 UTC$/);
    for (const line of lines.slice(1)) expect([...line].length).toBeLessThanOrEqual(80);
    const json = JSON.parse((await metrics(t, ['--chart', '--json'])).stdout);
    expect(json.points.length).toBeGreaterThan(0);
    expect(Math.max(...json.points.map((p: { queueDepth: number }) => p.queueDepth))).toBe(30);
  });

  it('--format prometheus prints the exposition', async () => {
    const { code, stdout } = await metrics(sampleStore(), ['--format', 'prometheus']);
    expect(code).toBe(0);
    expect(stdout).toContain('# TYPE harness_sessions_total counter');
    expect(stdout).toContain('harness_sessions_total{outcome="success"} 2');
  });

  it.each([
    [['--json', '--format', 'table'], /--json asks for JSON but --format asks for table/],
    [['--format', 'xml'], /--format: expected one of table, json, prometheus, received "xml"/],
    [['--since', 'soon'], /--since: invalid duration "soon"/],
    [['--since', '0'], /--since: expected a duration above zero/],
    [['--watch', 'often'], /--watch: invalid duration "often"/],
    [['--issue', 'ISSUE-1', '--chart'], /--issue and --chart/],
    [['--format', 'prometheus', '--since', '1h'], /--since does not apply to --format prometheus/],
    [['--format', 'prometheus', '--chart'], /drop --chart/],
  ])('rejects %j with exit 2', async (args, message) => {
    const result = await metrics(sampleStore(), args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('--watch prints again every interval until interrupted, one JSON object per line, with no escape codes off a terminal', async () => {
    const t = sampleStore();
    const io = makeIO(t.dir);
    const done = main(['metrics', '--state', t.path, '--json', '--watch', '20ms'], io.io);
    await waitFor(() => io.stdout().split('\n').filter(Boolean).length >= 3, 5000, 'three renders');
    io.interrupt();
    expect(await done).toBe(0);
    const lines = io.stdout().split('\n').filter(Boolean);
    for (const line of lines) expect(JSON.parse(line).totalSessionsCompleted).toBe(2);
    expect(io.stdout()).not.toMatch(/\u001b\[/);
  });

  it('--watch clears the screen between renders on a terminal', async () => {
    const t = sampleStore();
    const io = makeIO(t.dir);
    let text = '';
    const tty = Object.assign(
      new Writable({
        write(chunk, _encoding, callback) {
          text += String(chunk);
          callback();
        },
      }),
      { isTTY: true, columns: 100 },
    );
    const done = main(['metrics', '--state', t.path, '--watch', '20ms'], { ...io.io, stdout: tty });
    await waitFor(() => text.split('\u001b[H\u001b[2J').length >= 3, 5000, 'two cleared renders');
    io.interrupt();
    expect(await done).toBe(0);
    expect(text.startsWith('\u001b[H\u001b[2J')).toBe(true);
  });
});

describe('reading while a run writes', () => {
  it('reads the last committed state while a writer holds its transaction open, and never waits for it', () => {
    const t = sampleStore();
    const writer = new Database(t.path);
    cleanups.push(() => writer.close());
    writer.pragma('busy_timeout = 0');
    writer.exec('BEGIN IMMEDIATE');
    writer.prepare("INSERT INTO issues (id, title, body, priority, status, seq, created_at, updated_at) VALUES ('NEW', 'n', '', 2, 'queued', 99, 0, 0)").run();
    const before = report(t, finishedRun(0));
    expect(before.queueDepth).toBe(0);
    writer.exec('COMMIT');
    expect(report(t, finishedRun(0)).queueDepth).toBe(1);
  });

  it('follows a real `harness run` in another process, live, and agrees with its summary once it ends', async () => {
    const t = makeStore();
    cleanups.push(t.cleanup);
    t.store.close();
    const marker = `metrics-${Date.now()}`;
    markers.push(marker);
    const issues = writeIssues(t.dir, Array.from({ length: 8 }, (_, i) => ({ id: `live-${i}`, title: `issue ${i}` })));
    const child = spawn(
      process.execPath,
      [
        join(REPO, 'bin', 'harness.js'), 'run', '--issues', issues, '--state', t.path, '--json', '--metrics-port', '0',
        '--agent', `"${process.execPath}" "${join(FIXTURES, 'heartbeat.mjs')}"`,
        '--min-workers', '3', '--max-workers', '3', '--health-interval', '100ms',
      ],
      { cwd: t.dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, HARNESS_TEST_MARKER: marker, FIXTURE_MS: '600' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let finished = false;
    void exited.then(() => (finished = true));

    await waitFor(() => /metrics: serving (\S+)/.test(stderr), 10_000, 'the metrics server');
    const url = /metrics: serving (\S+)/.exec(stderr)![1]!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const seen: MetricsReport[] = [];
    let scraped = '';
    while (!finished) {
      const result = await metrics(t, ['--json']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      seen.push(JSON.parse(result.stdout) as MetricsReport);
      if (!scraped) scraped = await fetch(url).then((r) => r.text()).catch(() => '');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await exited).toBe(0);
    const live = seen.filter((r) => r.live);
    expect(live.length).toBeGreaterThan(0);
    expect(live.some((r) => r.activeWorkers > 0 && r.currentWorkers === 3)).toBe(true);
    const completed = seen.map((r) => r.totalSessionsCompleted);
    expect(completed).toEqual([...completed].sort((a, b) => a - b));
    expect(scraped).toContain('harness_run_live 1');

    const after = JSON.parse((await metrics(t, ['--json'])).stdout) as MetricsReport;
    const summary = JSON.parse(stdout) as { metrics: Record<string, number> };
    expect(after.live).toBe(false);
    expect(after.issuesByStatus.done).toBe(8);
    for (const field of ['totalSessionsCompleted', 'totalSessionsFailed', 'successRate', 'p95SessionDurationMs', 'p99SessionDurationMs', 'avgSessionDurationMs']) {
      expect(after[field as keyof MetricsReport], field).toBe(summary.metrics[field]);
    }
  });
});
