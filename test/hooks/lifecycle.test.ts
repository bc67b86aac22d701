import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type HooksConfig } from '../../src/config/types.js';
import { EventBus, type HarnessEvents } from '../../src/core/events.js';
import { HookError, LifecycleHooks } from '../../src/hooks/lifecycle.js';
import { runHook, type HookSettings } from '../../src/hooks/run-hook.js';
import { realClock } from '../../src/runtime/clock.js';
import type { SessionSpec } from '../../src/agents/types.js';
import { guardProcesses, tempDir } from '../helpers/cli.js';

const RECORD = join(import.meta.dirname, '..', 'fixtures', 'hooks', 'record.mjs');
const { cleanups, markers } = guardProcesses();

function setting(): { dir: string; calls: string; settings: HookSettings } {
  const temp = tempDir('harness-hooks-');
  cleanups.push(temp.cleanup);
  const marker = `hooks-${process.pid}-${Math.random()}`;
  markers.push(marker);
  return {
    dir: temp.dir,
    calls: join(temp.dir, 'calls.jsonl'),
    settings: { env: { PATH: process.env.PATH, HARNESS_TEST_MARKER: marker }, clock: realClock, timeoutMs: 5000, killGraceMs: 200, logMaxBytes: 1 << 20 },
  };
}

const record = (calls: string, ...args: string[]) => [process.execPath, RECORD, calls, ...args];

function calls(file: string): { hook: string; cwd: string; argv: string[]; env: Record<string, string>; pid: number }[] {
  // A line is written whole (one write); the file may exist a moment before it does.
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)) : [];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('runHook', () => {
  it('runs the argv in the workspace with the HARNESS_* variables, its output in the log', async () => {
    const { dir, calls: file, settings } = setting();
    const log = join(dir, 'logs', 'session.log');
    const result = await runHook('afterRun', record(file, '--say', 'tidied up'), {
      workspace: dir,
      issue: { id: 'A-1', title: 'Fix it' },
      sessionId: 's1',
      workerId: 'worker-2',
      attempt: 3,
      exit: { exitCode: 4, signal: null },
    }, log, { ...settings, env: { ...settings.env, HARNESS_SESSION_ID: 'an outer session', HARNESS_ISSUE_BODY: 'outer' } });
    expect(result).toEqual({ ok: true, reason: null, logPath: log, stopped: false });
    const [call] = calls(file);
    expect(call?.cwd).toBe(dir);
    expect(call?.env).toMatchObject({
      HARNESS_HOOK: 'afterRun',
      HARNESS_WORKSPACE: dir,
      HARNESS_ISSUE_ID: 'A-1',
      HARNESS_ISSUE_TITLE: 'Fix it',
      HARNESS_SESSION_ID: 's1',
      HARNESS_WORKER_ID: 'worker-2',
      HARNESS_ATTEMPT: '3',
      HARNESS_EXIT_CODE: '4',
      HARNESS_EXIT_SIGNAL: '',
    });
    // What the harness was started with does not pass for this session's identity.
    expect(call?.env.HARNESS_ISSUE_BODY).toBeUndefined();
    expect(readFileSync(log, 'utf8')).toBe(`[harness] hook afterRun: ${record(file, '--say', 'tidied up').join(' ')}\ntidied up\n`);
  });

  it('reports a failure with its exit code, and says so in the log', async () => {
    const { dir, calls: file, settings } = setting();
    const log = join(dir, 'hook.log');
    writeFileSync(log, 'earlier output\n');
    const result = await runHook('beforeRun', record(file, '--say', 'no database', '--exit', '3'), { workspace: dir }, log, settings);
    expect(result.ok).toBe(false);
    expect(result.reason).toBe(`hook beforeRun (${record(file, '--say', 'no database', '--exit', '3').join(' ')}) failed: exit code 3`);
    expect(readFileSync(log, 'utf8')).toMatch(/^earlier output\n\[harness\] hook beforeRun: .*\nno database\n\[harness\] hook beforeRun .* failed: exit code 3\n$/);
  });

  it('stops a hook that hangs at the timeout, SIGKILL after the grace when it ignores SIGTERM', async () => {
    const { dir, calls: file, settings } = setting();
    const started = Date.now();
    const result = await runHook('beforeRemove', record(file, '--stubborn'), { workspace: dir }, join(dir, 'hook.log'), { ...settings, timeoutMs: 300 });
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/^hook beforeRemove \(.*\) ran longer than 300 ms and was stopped$/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300 + 200);
    expect(alive(calls(file)[0]?.pid ?? 0)).toBe(false);
  });

  it('stops a hook when its session is stopped', async () => {
    const { dir, calls: file, settings } = setting();
    const stop = new AbortController();
    const running = runHook('beforeRun', record(file, '--hang'), { workspace: dir }, join(dir, 'hook.log'), settings, { signal: stop.signal });
    while (calls(file).length === 0) await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    const result = await running;
    expect(result).toMatchObject({ ok: false, stopped: true });
    expect(alive(calls(file)[0]?.pid ?? 0)).toBe(false);
  });

  it('never lets issue text reach a shell: it arrives as the variable, byte for byte', async () => {
    const { dir, calls: file, settings } = setting();
    const hostile = `$(touch pwned-1); touch pwned-2 \`touch pwned-3\` && echo "$HOME" > pwned-4 | ' "`;
    // A hook that is itself a shell gets the text only as a variable it expands, never as code.
    const shell = ['sh', '-c', 'printf %s "$HARNESS_ISSUE_TITLE" > title.txt'];
    const context = { workspace: dir, issue: { id: hostile, title: hostile } };
    expect((await runHook('beforeRun', record(file), context, join(dir, 'hook.log'), settings)).ok).toBe(true);
    expect((await runHook('beforeRun', shell, context, join(dir, 'hook.log'), settings)).ok).toBe(true);
    expect(calls(file)[0]?.env).toMatchObject({ HARNESS_ISSUE_ID: hostile, HARNESS_ISSUE_TITLE: hostile });
    expect(calls(file)[0]?.argv).toEqual([]);
    expect(readFileSync(join(dir, 'title.txt'), 'utf8')).toBe(hostile);
    expect(readdirSync(dir).filter((name) => name.startsWith('pwned'))).toEqual([]);
  });
});

describe('LifecycleHooks', () => {
  function lifecycle(hooks: Partial<HooksConfig>) {
    const base = setting();
    const events = new EventBus();
    const failures: HarnessEvents['hook:failed'][] = [];
    events.on('hook:failed', (e) => failures.push(e));
    const logDir = join(base.dir, 'logs');
    const { timeoutMs: _timeoutMs, ...settings } = base.settings;
    const life = new LifecycleHooks({ ...settings, hooks: { ...DEFAULT_CONFIG.hooks, timeoutMs: 5000, ...hooks }, logDir, events });
    const workspace = join(base.dir, 'ws');
    mkdirSync(workspace);
    const spec: SessionSpec = {
      sessionId: 's1',
      workerId: 'worker-1',
      attempt: 1,
      issue: { id: 'A', title: 'fix A' } as SessionSpec['issue'],
      cwd: workspace,
      logPath: join(logDir, 'A-1-s1.log'),
    };
    return { ...base, life, failures, workspace, spec, logDir };
  }

  it('has no session hooks when neither beforeRun nor afterRun is set', () => {
    expect(lifecycle({ afterCreate: ['true'] }).life.forSessions()).toBeNull();
    const { life } = lifecycle({ afterRun: ['true'] });
    expect(life.forSessions()).toBe(life);
  });

  it('fails the preparation when afterCreate fails, naming its log', async () => {
    const { life, calls: file, workspace, logDir, failures } = lifecycle({});
    const failing = lifecycle({ afterCreate: record(file, '--exit', '2') });
    await expect(life.afterCreate({ workspace })).resolves.toBeUndefined();
    const error = await failing.life.afterCreate({ workspace: failing.workspace, workerId: 'worker-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HookError);
    expect((error as Error).message).toMatch(new RegExp(`^hook afterCreate \\(.*\\) failed: exit code 2; log: ${failing.logDir}/hooks/ws\\.log$`));
    expect(failing.failures).toMatchObject([{ hook: 'afterCreate', workerId: 'worker-1', workspace: failing.workspace }]);
    expect(failures).toEqual([]);
    expect(existsSync(join(logDir, 'hooks'))).toBe(false);
  });

  it('returns why beforeRun failed, with its output in the session log', async () => {
    const { life, spec, calls: file, failures } = lifecycle({});
    const failing = lifecycle({ beforeRun: record(file, '--say', 'migrations pending', '--exit', '1') });
    expect(await life.beforeRun(spec, {})).toBeNull();
    const reason = await failing.life.beforeRun(failing.spec, {});
    expect(reason).toMatch(/^hook beforeRun \(.*\) failed: exit code 1$/);
    expect(readFileSync(failing.spec.logPath as string, 'utf8')).toContain('migrations pending\n');
    expect(failing.failures).toMatchObject([{ hook: 'beforeRun', issueId: 'A', sessionId: 's1', logPath: failing.spec.logPath }]);
    expect(failures).toEqual([]);
  });

  it('reports afterRun and beforeRemove failures and goes on', async () => {
    const { life, spec, workspace, calls: file, failures } = lifecycle({
      afterRun: record('/nonexistent/dir/calls'),
      beforeRemove: ['/nonexistent/hook'],
    });
    await expect(life.afterRun(spec, { exitCode: 0, signal: null }, {})).resolves.toBeUndefined();
    await expect(life.beforeRemove({ workspace, workerId: 'worker-1' })).resolves.toBeUndefined();
    expect(failures.map((f) => [f.hook, f.reason])).toEqual([
      ['afterRun', expect.stringMatching(/^hook afterRun \(.*\) failed: exit code 1$/)],
      ['beforeRemove', expect.stringMatching(/^hook beforeRemove \(\/nonexistent\/hook\) failed: could not start: .*ENOENT/)],
    ]);
    expect(calls(file)).toEqual([]);
  });
});
