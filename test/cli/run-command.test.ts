import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/open.js';
import { openStoreReader } from '../../src/metrics/queries.js';
import { FIXTURES, fixture, guardProcesses, makeIO, tempDir, waitFor, writeIssues } from '../helpers/cli.js';

const FAST = ['--min-workers', '2', '--max-workers', '4', '--health-interval', '100ms', '--cooldown', '200ms', '--retry-delay', '100ms', '--kill-grace', '300ms'];

// No test may leave a process behind.
const { cleanups, markers } = guardProcesses();

function setup(issues: object[]) {
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  const file = writeIssues(tmp.dir, issues);
  const t = makeIO(tmp.dir);
  markers.push(t.marker);
  return { dir: tmp.dir, file, t };
}

/** Sessions of the state as `harness metrics` reads them, while a run writes it: open ones (their agent started), and done issues. */
function sessionCounts(dir: string): { open: number; done: number } {
  const path = join(dir, '.harness', 'state.db');
  if (!existsSync(path)) return { open: 0, done: 0 };
  const reader = openStoreReader(path);
  try {
    const open = (reader.db.prepare('SELECT count(*) AS n FROM sessions WHERE ended_at IS NULL AND pid IS NOT NULL').get() as { n: number }).n;
    return { open, done: reader.issueCounts().done };
  } finally {
    reader.db.close();
  }
}

/** An agent command that runs a different fixture for each issue (by HARNESS_ISSUE_ID). */
function writeAgentByIssue(dir: string, byIssue: Record<string, string>): string {
  const script = join(dir, 'by-issue.mjs');
  const table = Object.fromEntries(Object.entries(byIssue).map(([id, name]) => [id, join(FIXTURES, name)]));
  writeFileSync(script, `import(${JSON.stringify(table)}[process.env.HARNESS_ISSUE_ID]);\n`);
  return `"${process.execPath}" "${script}"`;
}

function readState(dir: string) {
  const store = openStore(join(dir, '.harness', 'state.db'));
  try {
    const issues = store.listIssues();
    const byIssue = new Map(issues.map((i) => [i.id, store.sessionsForIssue(i.id)]));
    return {
      issues,
      sessions: (id: string) => byIssue.get(id) ?? [],
      open: store.openSessions(),
    };
  } finally {
    store.close();
  }
}

const issue = (id: string, extra: object = {}) => ({ id, title: `title of ${id}`, body: `body of ${id}`, ...extra });

describe('harness run with real agent processes', () => {
  it('runs every issue to done and exits 0', async () => {
    const { dir, file, t } = setup([issue('a'), issue('b'), issue('c')]);
    const code = await main(['run', '--issues', file, '--agent', fixture('succeed.mjs'), ...FAST], t.io);
    expect(code).toBe(0);
    const state = readState(dir);
    expect(state.issues.map((i) => i.status)).toEqual(['done', 'done', 'done']);
    const log = readFileSync(state.sessions('a')[0]!.logPath!, 'utf8');
    expect(log).toContain('You are working on issue a');
    expect(t.stdout()).toContain('all issues done');
    expect(t.stdout()).not.toMatch(/\u001b\[/);
    // harness's own directory stays out of the user's git status.
    expect(readFileSync(join(dir, '.harness', '.gitignore'), 'utf8')).toBe('*\n');
  });

  it('says that the fleet flags do nothing without a fleet store', async () => {
    const { file, t } = setup([issue('a')]);
    const code = await main(['run', '--issues', file, '--agent', fixture('succeed.mjs'), '--fleet-max-workers', '2', ...FAST], t.io);
    expect(code).toBe(0);
    expect(t.stdout()).toContain('note: fleet.maxWorkers and fleet.leaseMs (--fleet-max-workers, --fleet-lease) apply to a fleet sharing a PostgreSQL store (--store)');
  });

  it('retries a failed session and succeeds on a later attempt', async () => {
    const { dir, file, t } = setup([issue('flaky')]);
    const code = await main(['run', '--issues', file, '--agent', fixture('fail-then-succeed.mjs'), ...FAST], t.io);
    expect(code).toBe(0);
    expect(readState(dir).sessions('flaky').map((s) => [s.outcome, s.exitCode])).toEqual([
      ['failure', 1],
      ['success', 0],
    ]);
  });

  it('fails an issue after maxAttempts, with the reason, and exits 1', async () => {
    const { dir, file, t } = setup([issue('doomed'), issue('fine')]);
    const code = await main(['run', '--issues', file, '--agent', fixture('fail.mjs'), '--max-attempts', '2', ...FAST], t.io);
    expect(code).toBe(1);
    const doomed = readState(dir).issues.find((i) => i.id === 'doomed')!;
    expect(doomed.status).toBe('failed');
    expect(doomed.lastError).toMatch(/exit code 1/);
    expect(t.stdout()).toMatch(/failed doomed/);
  });

  it('detects a silent hang as a stall, kills it and succeeds on the next attempt', async () => {
    const { dir, file, t } = setup([issue('hangs-once')]);
    const code = await main(['run', '--issues', file, '--agent', fixture('hang-then-succeed.mjs'), '--stall-timeout', '800ms', ...FAST], t.io);
    expect(code).toBe(0);
    const sessions = readState(dir).sessions('hangs-once');
    expect(sessions.map((s) => s.outcome)).toEqual(['stalled', 'success']);
    expect(sessions[0]!.signal).toBe('SIGTERM');
    expect(t.stdout()).toMatch(/stalled/);
  });

  it('times out a session that keeps printing but never finishes', async () => {
    const { dir, file, t } = setup([issue('chatty')]);
    const code = await main(
      ['run', '--issues', file, '--agent', fixture('chatty-hang.mjs'), '--session-timeout', '1s', '--max-attempts', '1', ...FAST],
      t.io,
    );
    expect(code).toBe(1);
    const [session] = readState(dir).sessions('chatty');
    expect(session!.outcome).toBe('timeout');
  });

  it('sends SIGKILL after the grace period to an agent that ignores SIGTERM', async () => {
    const { dir, file, t } = setup([issue('stubborn')]);
    const code = await main(
      ['run', '--issues', file, '--agent', fixture('ignore-sigterm.mjs'), '--stall-timeout', '600ms', '--max-attempts', '1', ...FAST],
      t.io,
    );
    expect(code).toBe(1);
    const [session] = readState(dir).sessions('stubborn');
    expect(session!.outcome).toBe('stalled');
    expect(session!.signal).toBe('SIGKILL');
  });

  it('kills a grandchild the agent left behind in its process group', async () => {
    const { dir, file, t } = setup([issue('leaver')]);
    const pidFile = join(dir, 'grandchild.pid');
    const code = await main(['run', '--issues', file, '--agent', fixture('grandchild.mjs'), ...FAST], { ...t.io, env: { ...t.io.env, FIXTURE_PID_FILE: pidFile } });
    expect(code).toBe(0);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(0);
    const deadline = Date.now() + 5000;
    let alive = true;
    while (alive && Date.now() < deadline) {
      try {
        process.kill(pid, 0);
        await new Promise((r) => setTimeout(r, 50));
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  });

  it('caps the log of an agent flooding 50 MB', async () => {
    const { dir, file, t } = setup([issue('flood')]);
    const code = await main(['run', '--issues', file, '--agent', fixture('flood.mjs'), '--log-max-bytes', '100000', ...FAST], t.io);
    expect(code).toBe(0);
    const [session] = readState(dir).sessions('flood');
    const size = statSync(session!.logPath!).size;
    expect(size).toBeLessThan(100_000 + 200);
    expect(readFileSync(session!.logPath!, 'utf8')).toMatch(/log truncated at 100000 bytes/);
  });

  it('stays responsive while an agent floods without end: another session finishes, and an interrupt cancels the flood', async () => {
    const { dir, file, t } = setup([issue('flood'), issue('quiet')]);
    const agents = writeAgentByIssue(dir, { flood: 'flood-forever.mjs', quiet: 'succeed.mjs' });
    const running = main(['run', '--issues', file, '--agent', agents, '--log-max-bytes', '100000', ...FAST], t.io);
    // While `flood` writes as fast as it can, the harness still starts, follows and records `quiet`.
    const flooding = () => {
      const log = readState(dir).sessions('flood')[0]?.logPath;
      return log !== null && log !== undefined && existsSync(log) && statSync(log).size > 0;
    };
    await waitFor(() => sessionCounts(dir).done === 1 && sessionCounts(dir).open === 1 && flooding(), 15_000, 'the quiet session to finish beside the flood');
    t.interrupt();
    t.interrupt();
    expect(await running).toBe(130);
    const state = readState(dir);
    expect(state.sessions('flood').map((s) => s.outcome)).toEqual(['cancelled']);
    expect(statSync(state.sessions('flood')[0]!.logPath!).size).toBeLessThan(100_000 + 200);
  });

  it('never lets issue text reach a shell', async () => {
    const hostile = [
      issue('h1', { title: '$(touch pwned1)', body: '`touch pwned2`' }),
      issue('h2', { title: '"; touch pwned3 #', body: "'; touch pwned4; echo '" }),
      issue('$(touch pwned5)', { title: 'id is hostile too', labels: ['$(touch pwned6)'] }),
    ];
    const { dir, file, t } = setup(hostile);
    const code = await main(['run', '--issues', file, '--agent', fixture('succeed.mjs'), ...FAST], t.io);
    expect(code).toBe(0);
    for (let n = 1; n <= 6; n++) expect(existsSync(join(dir, `pwned${n}`))).toBe(false);
    expect(readState(dir).issues.every((i) => i.status === 'done')).toBe(true);
  });

  it('rejects an issues file with a bad record, naming the line and field, and admits nothing', async () => {
    const { dir, t } = setup([]);
    const bad = writeIssues(dir, [issue('ok'), { title: 'no id' }, issue('ok')], 'bad.jsonl');
    const code = await main(['run', '--issues', bad, '--agent', fixture('succeed.mjs'), ...FAST], t.io);
    expect(code).toBe(2);
    expect(t.stderr()).toMatch(/line 2: id: expected a non-empty string/);
    expect(t.stderr()).toMatch(/line 3: id: duplicate of line 1/);
    expect(existsSync(join(dir, '.harness', 'state.db'))).toBe(false);
  });

  it('with --skip-invalid admits the valid records and reports the rest', async () => {
    const { dir, t } = setup([]);
    const bad = writeIssues(dir, [issue('ok'), { id: 'x', title: 42 }], 'bad.jsonl');
    const code = await main(['run', '--issues', bad, '--skip-invalid', '--agent', fixture('succeed.mjs'), ...FAST], t.io);
    expect(code).toBe(0);
    expect(t.stdout()).toMatch(/skipped 1 invalid record/);
    expect(readState(dir).issues.map((i) => i.id)).toEqual(['ok']);
  });

  it('importing the same file again keeps known issues as they are', async () => {
    const { dir, file, t } = setup([issue('once')]);
    expect(await main(['run', '--issues', file, '--agent', fixture('succeed.mjs'), ...FAST], t.io)).toBe(0);
    expect(await main(['run', '--issues', file, '--agent', fixture('succeed.mjs'), ...FAST], t.io)).toBe(0);
    expect(readState(dir).sessions('once')).toHaveLength(1);
  });

  it('explains a missing agent command instead of failing every session', async () => {
    const { file, t } = setup([issue('a')]);
    const code = await main(['run', '--issues', file, '--agent', 'no-such-agent-xyz --flag'], t.io);
    expect(code).toBe(2);
    expect(t.stderr()).toMatch(/agent command not found: no-such-agent-xyz/);
  });

  it('prints one JSON summary on stdout with --json and human output on stderr', async () => {
    const { file, t } = setup([issue('a')]);
    const code = await main(['run', '--issues', file, '--agent', fixture('succeed.mjs'), '--json', ...FAST], t.io);
    expect(code).toBe(0);
    const summary = JSON.parse(t.stdout());
    expect(summary.issues.done).toBe(1);
    expect(summary.sessions.success).toBe(1);
    expect(summary.metrics).toHaveProperty('throughputPerMinute');
    expect(t.stderr()).toContain('all issues done');
  });

  it('on an interrupt lets running sessions finish, then exits 130 with the rest still queued', async () => {
    const { dir, file, t } = setup([issue('a'), issue('b'), issue('c'), issue('d'), issue('e'), issue('f')]);
    const running = main(['run', '--issues', file, '--agent', fixture('heartbeat.mjs'), '--min-workers', '2', '--max-workers', '2', '--health-interval', '100ms'], {
      ...t.io,
      env: { ...t.io.env, FIXTURE_MS: '1500' },
    });
    await waitFor(() => sessionCounts(dir).open === 2, 10_000, 'two sessions to start');
    t.interrupt();
    const code = await running;
    expect(code).toBe(130);
    const state = readState(dir);
    expect(state.issues.filter((i) => i.status === 'done')).toHaveLength(2);
    expect(state.issues.filter((i) => i.status === 'queued')).toHaveLength(4);
    expect(state.open).toHaveLength(0);
  });

  it('on a second interrupt cancels running sessions without spending their attempt', async () => {
    const { dir, file, t } = setup([issue('a'), issue('b')]);
    const running = main(['run', '--issues', file, '--agent', fixture('hang.mjs'), '--min-workers', '2', '--max-workers', '2', '--kill-grace', '300ms'], t.io);
    await waitFor(() => sessionCounts(dir).open === 2, 10_000, 'two sessions to start');
    t.interrupt();
    t.interrupt();
    const code = await running;
    expect(code).toBe(130);
    const state = readState(dir);
    expect(state.issues.map((i) => [i.status, i.attempts])).toEqual([
      ['queued', 0],
      ['queued', 0],
    ]);
    expect(state.sessions('a')[0]!.outcome).toBe('cancelled');
  });
});
