import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/open.js';
import { fixture, guardProcesses, makeIO, tempDir, waitFor, writeIssues } from '../helpers/cli.js';
import { startSessionOn } from '../helpers/store.js';

/** `harness logs`, and where `harness run` says a failure's log is. */

const FAST = ['--min-workers', '1', '--max-workers', '2', '--health-interval', '100ms', '--cooldown', '200ms', '--retry-delay', '50ms', '--kill-grace', '300ms'];
const { cleanups, markers } = guardProcesses();

function setup(env: Record<string, string> = {}) {
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  const io = () => {
    const t = makeIO(tmp.dir, env);
    markers.push(t.marker);
    return t;
  };
  const logs = async (args: string[], options: { tty?: boolean } = {}) => {
    const t = io();
    if (options.tty) (t.io.stdout as { isTTY?: boolean }).isTTY = true;
    const code = await main(['logs', ...args], t.io);
    return { code, stdout: t.stdout(), stderr: t.stderr() };
  };
  return { dir: tmp.dir, io, logs };
}

const sessionsOf = (dir: string, id: string) => {
  const store = openStore(join(dir, '.harness', 'state.db'));
  try {
    return store.sessionsForIssue(id);
  } finally {
    store.close();
  }
};

describe('harness run names where a failure is', () => {
  it('names the log on each failed session line, and ends with the log and its last lines, escaped', async () => {
    const p = setup({ FIXTURE_EXIT: '3', FIXTURE_MS: '1' });
    const file = writeIssues(p.dir, [{ id: 'bad', title: 'fails' }]);
    const t = p.io();
    expect(await main(['run', '--issues', file, '--agent', fixture('lines.mjs'), '--max-attempts', '2', ...FAST], t.io)).toBe(1);
    const out = t.stdout();
    expect(out).toContain('✗ bad attempt 1 failure in');
    const [one, two] = sessionsOf(p.dir, 'bad').map((s) => relative(p.dir, s.logPath!));
    expect(one).toMatch(/^\.harness\/state\.db\.logs\/bad-1-[0-9a-f-]+\.log$/);
    expect(out).toContain(`✗ bad attempt 1 failure in`);
    expect(out).toMatch(new RegExp(`✗ bad attempt 1 failure in \\S+ \\(exit code 3\\) → requeued · log ${escapeRe(one!)}\\n`));
    expect(out).toMatch(new RegExp(`✗ bad attempt 2 failure in \\S+ \\(exit code 3\\) → failed · log ${escapeRe(two!)}\\n`));
    expect(out).toContain(
      [
        '  failed bad: failure after 2 attempts: exit code 3',
        `    log: ${two}, last 5 line(s):`,
        '      | line 4 \\e]0;retitled\\x07\\e[2J',
        '      | line 5',
        '      | line 6',
        '      | line 7',
        '      | line 8',
      ].join('\n'),
    );
    expect(out).not.toContain('\u001b');
  });

  it('gives each failure its log and last lines in the --json summary', async () => {
    const p = setup();
    const file = writeIssues(p.dir, [{ id: 'bad', title: 'fails' }, { id: 'good', title: 'fine' }]);
    const t = p.io();
    await main(['run', '--issues', file, '--agent', fixture('fail.mjs'), '--max-attempts', '1', '--json', ...FAST], t.io);
    const summary = JSON.parse(t.stdout()) as { failures: { id: string; reason: string; log: string; logTail: string[] }[] };
    expect(summary.failures).toEqual(
      ['bad', 'good'].map((id) => ({ id, reason: 'failure after 1 attempt: exit code 1', log: sessionsOf(p.dir, id)[0]!.logPath, logTail: ['could not fix the issue'] })),
    );
  });
});

describe('a session that printed nothing', () => {
  it('has no log file, and the run, its --json summary, harness logs and metrics --issue say "no output"', async () => {
    const p = setup();
    const file = writeIssues(p.dir, [{ id: 'quiet', title: 'prints nothing' }]);
    const t = p.io();
    expect(await main(['run', '--issues', file, '--agent', 'false', '--max-attempts', '1', ...FAST], t.io)).toBe(1);
    expect(t.stdout()).toMatch(/✗ quiet attempt 1 failure in \S+ \(exit code 1\) → failed · no output\n/);
    expect(t.stdout()).toContain('  failed quiet: failure after 1 attempt: exit code 1\n    log: (no output)\n');
    const [session] = sessionsOf(p.dir, 'quiet');
    expect(existsSync(session!.logPath!)).toBe(false);
    expect(await p.logs(['quiet'])).toEqual({ code: 0, stdout: '', stderr: `==> ${relative(p.dir, session!.logPath!)} (issue "quiet", attempt 1, failure) <==\n(no output)\n` });

    const report = p.io();
    expect(await main(['metrics', '--issue', 'quiet'], report.io)).toBe(0);
    expect(report.stdout()).toMatch(/│ 1 +│ worker-\d+ .*failure .*code 1 .*│ \(no output\) +│/);
    const reportJson = p.io();
    expect(await main(['metrics', '--issue', 'quiet', '--json'], reportJson.io)).toBe(0);
    expect(JSON.parse(reportJson.stdout()).sessions[0]).toMatchObject({ logPath: null, noOutput: true });

    const j = p.io();
    expect(await main(['run', '--issues', file, '--agent', 'false', '--max-attempts', '1', '--state', '.harness/json.db', '--json', ...FAST], j.io)).toBe(1);
    expect(JSON.parse(j.stdout()).failures).toEqual([{ id: 'quiet', reason: 'failure after 1 attempt: exit code 1', log: null, logTail: [], noOutput: true }]);
  });
});

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('harness logs', () => {
  async function ranTwice() {
    const p = setup({ FIXTURE_MS: '1' });
    const file = writeIssues(p.dir, [{ id: 'x', title: 'flaky' }]);
    const t = p.io();
    expect(await main(['run', '--issues', file, '--agent', fixture('fail-then-succeed.mjs'), ...FAST], t.io)).toBe(0);
    return p;
  }

  it('prints the latest attempt’s log, or the one --attempt names, byte for byte when piped', async () => {
    const p = await ranTwice();
    const [first, second] = sessionsOf(p.dir, 'x');
    const latest = await p.logs(['x']);
    expect(latest.code).toBe(0);
    expect(latest.stdout).toBe(readFileSync(second!.logPath!, 'utf8'));
    expect(latest.stderr).toBe(`==> ${relative(p.dir, second!.logPath!)} (issue "x", attempt 2, success) <==\n`);
    const earlier = await p.logs(['x', '--attempt', '1']);
    expect(earlier.stdout).toBe(readFileSync(first!.logPath!, 'utf8'));
    expect(earlier.stdout).not.toBe(latest.stdout);
  });

  it('says what is wrong, exit 2: an unknown id, an attempt that never ran, a bad number, no state', async () => {
    const p = await ranTwice();
    expect(await p.logs(['nope\u001b[2J'])).toMatchObject({ code: 2, stderr: 'harness: no issue "nope\\u001b[2J" in .harness/state.db: pass an id from the issues file this state was run with (harness metrics lists them)\n' });
    expect(await p.logs(['x', '--attempt', '5'])).toMatchObject({ code: 2, stderr: 'harness: issue "x" has no attempt 5: its sessions ran attempt(s) 1, 2\n' });
    expect(await p.logs(['x', '--attempt', 'two'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--attempt: expected an attempt number') });
    expect(await p.logs(['x', '--state', 'elsewhere.db'])).toMatchObject({ code: 2, stderr: 'harness: no harness state at elsewhere.db: run `harness run` first, or pass --state <path>\n' });
  });

  it('escapes control characters when it prints to a terminal', async () => {
    const p = setup({ FIXTURE_MS: '1' });
    const file = writeIssues(p.dir, [{ id: 'x', title: 'x' }]);
    expect(await main(['run', '--issues', file, '--agent', fixture('lines.mjs'), ...FAST], p.io().io)).toBe(0);
    const shown = await p.logs(['x'], { tty: true });
    expect(shown.stdout).toContain('line 4 \\e]0;retitled\\x07\\e[2J\nline 5\n');
    expect(shown.stdout).not.toContain('\u001b');
  });

  it('follows a running session’s log until the session ends', async () => {
    const p = setup({ FIXTURE_MS: '60', FIXTURE_LINES: '12' });
    const file = writeIssues(p.dir, [{ id: 'live', title: 'slow' }]);
    const run = main(['run', '--issues', file, '--agent', fixture('lines.mjs'), ...FAST], p.io().io);
    await waitFor(() => {
      try {
        return sessionsOf(p.dir, 'live').length > 0;
      } catch {
        return false;
      }
    }, 10_000, 'the session to start');
    const followed = await p.logs(['live', '-f']);
    expect(followed.code).toBe(0);
    expect(await run).toBe(0);
    const [session] = sessionsOf(p.dir, 'live');
    // Started while the agent was still writing, and ended with all of it.
    expect(followed.stderr).toContain('attempt 1, running) <==');
    expect(followed.stdout).toBe(readFileSync(session!.logPath!, 'utf8'));
    expect(followed.stdout.trim().split('\n')).toHaveLength(12);
  });

  it('follows a session from before its first output: the log appears, is printed, and the end of the session ends it', async () => {
    const p = setup();
    const store = openStore(join(p.dir, '.harness', 'state.db'));
    try {
      store.acquireRunLock({ pid: process.pid, hostname: hostname(), startedAt: Date.now(), heartbeatAt: Date.now() }, () => true);
      store.importIssues([{ id: 'late', title: 'silent at first' }].map((i) => ({ ...i, body: '', priority: 2, labels: [] })), 1);
      store.admit(1, 2);
      const log = join(p.dir, '.harness', 'state.db.logs', 'late-1-s1.log');
      startSessionOn(store, { sessionId: 's1', issueId: 'late', workerId: 'worker-1', now: 3, logPath: log });
      const t = p.io();
      const followed = main(['logs', 'late', '--follow'], t.io);
      await waitFor(() => t.stderr().includes('(issue "late", attempt 1, running) <=='), 5000, 'the follow to start');
      mkdirSync(join(p.dir, '.harness', 'state.db.logs'), { recursive: true });
      writeFileSync(log, 'at last\n');
      await waitFor(() => t.stdout() === 'at last\n', 5000, 'the log to be printed');
      store.finishSession('s1', { outcome: 'success', endedAt: 4, exitCode: 0, signal: null, reason: 'exit code 0' }, { status: 'done' });
      expect(await followed).toBe(0);
      expect(t.stderr()).not.toContain('no output');
    } finally {
      store.close();
    }
  });

  it('stops following a session that no harness runs any more', async () => {
    const p = setup();
    const store = openStore(join(p.dir, '.harness', 'state.db'));
    store.importIssues([{ id: 'left', title: 'left open', body: '', priority: 2, labels: [] }], 1);
    store.admit(1, 2);
    const log = join(p.dir, '.harness', 'logs', 'left', '1.log');
    startSessionOn(store, { sessionId: 's1', issueId: 'left', workerId: 'worker-1', now: 3, logPath: log });
    store.close();
    mkdirSync(join(p.dir, '.harness', 'logs', 'left'), { recursive: true });
    writeFileSync(log, 'half a session\n');
    const followed = await p.logs(['left', '--follow']);
    expect(followed).toMatchObject({ code: 0, stdout: 'half a session\n' });
    expect(followed.stderr).toContain('the session is still open but no harness is running it');
  });
});
