import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { truncationNotice } from '../../src/agents/log-writer.js';
import { isGroupAlive } from '../../src/agents/process-group.js';
import { LauncherRunner } from '../../src/agents/launcher/runner.js';
import { ProcessRunner } from '../../src/agents/process-runner.js';
import { UsageError } from '../../src/errors.js';
import { realClock } from '../../src/runtime/clock.js';
import { Sandbox, fixture, issue, pidAlive, waitForDeath } from './helpers.js';

describe.each(['in-process', 'launcher'] as const)('%s runner', (kind) => {
  let sandbox: Sandbox;
  beforeEach(() => {
    sandbox = new Sandbox(kind);
  });
  afterEach(() => sandbox.cleanup());

  it('runs an agent to success and logs both streams', async () => {
    const session = sandbox.start(sandbox.runner({ command: fixture('succeed.mjs') }));
    expect(await session.spawned).toBe(session.handle.pid);
    expect(session.handle.pid).toBeGreaterThan(0);
    expect(session.handle.pgid).toBe(session.handle.pid);
    expect(await session.exited).toEqual({ exitCode: 0, signal: null });
    const log = sandbox.log(session);
    expect(log).toContain('working on it');
    expect(log).toContain('progress: 50%');
    expect(log).toContain('done');
    expect(session.progress.length).toBeGreaterThan(0);
    expect(session.exitCount()).toBe(1);
  });

  it('delivers the rendered prompt on stdin', async () => {
    const runner = sandbox.runner({ command: fixture('succeed.mjs'), promptTemplate: 'Fix {{id}} (attempt {{attempt}}): {{title}}\n{{body}}' });
    const session = sandbox.start(runner, { attempt: 2, issue: issue({ id: 'BD-3', title: 'Broken {{body}}' }) });
    await session.exited;
    expect(sandbox.log(session)).toContain('prompt: Fix BD-3 (attempt 2): Broken {{body}}\n');
  });

  it('reports a failing agent’s exit code', async () => {
    const session = sandbox.start(sandbox.runner({ command: fixture('fail.mjs') }));
    expect(await session.exited).toEqual({ exitCode: 1, signal: null });
    expect(sandbox.log(session)).toContain('could not fix the issue');
  });

  it('survives an agent that exits without reading a large prompt (EPIPE)', async () => {
    const runner = sandbox.runner({ command: fixture('fail.mjs'), promptTemplate: `${'x'.repeat(4 * 1024 * 1024)}{{id}}` });
    expect(await sandbox.start(runner).exited).toEqual({ exitCode: 1, signal: null });
  });

  it('delivers prompts byte-exact whether or not they fit in a pipe', async () => {
    for (const size of [10, 64 * 1024, 64 * 1024 + 1, 1024 * 1024]) {
      const out = join(sandbox.dir, `dump-${size}.json`);
      const body = 'é'.repeat(size / 2) + 'x'.repeat(size % 2);
      const runner = sandbox.runner({ command: fixture('env-dump.mjs'), env: { ...process.env, FIXTURE_OUT: out }, promptTemplate: '{{body}}' });
      const session = sandbox.start(runner, { issue: issue({ body }) });
      expect(await session.exited).toEqual({ exitCode: 0, signal: null });
      expect((JSON.parse(readFileSync(out, 'utf8')) as { stdin: string }).stdin).toBe(body);
    }
  });

  it('passes the attempt number through', async () => {
    const runner = sandbox.runner({ command: fixture('fail-then-succeed.mjs') });
    expect((await sandbox.start(runner, { attempt: 1 }).exited).exitCode).toBe(1);
    expect((await sandbox.start(runner, { attempt: 2 }).exited).exitCode).toBe(0);
  });

  it('lets an agent hang on its first attempt and succeed on a retry', async () => {
    const runner = sandbox.runner({ command: fixture('hang-then-succeed.mjs'), heartbeatPollMs: 20 });
    const first = sandbox.start(runner, { attempt: 1 });
    const second = sandbox.start(runner, { attempt: 2 });
    expect(await second.exited).toEqual({ exitCode: 0, signal: null });
    expect(first.exitCount()).toBe(0);
    first.handle.kill();
    expect(await first.exited).toEqual({ exitCode: null, signal: 'SIGTERM' });
  });

  it('gives the issue to the agent only through env and stdin, byte-exact and never through a shell', async () => {
    const out = join(sandbox.dir, 'dump.json');
    const hostile = issue({
      id: 'a/b $(touch pwned)',
      title: '$(touch pwned) `touch pwned` "; touch pwned #',
      body: "'; touch pwned; echo '\n$(touch pwned)\n`touch pwned`\nünïcødé",
      labels: ['x;touch pwned'],
    });
    const runner = sandbox.runner({
      command: fixture('env-dump.mjs'),
      env: { ...process.env, FIXTURE_OUT: out },
      promptTemplate: '{{title}}\n{{body}}\n{{labels}}',
    });
    const session = sandbox.start(runner, { issue: hostile, workerId: 'w-7', attempt: 3, sessionId: 'sess-42' });
    expect(await session.exited).toEqual({ exitCode: 0, signal: null });

    const dump = JSON.parse(readFileSync(out, 'utf8'));
    expect(dump.env.HARNESS_ISSUE_ID).toBe(hostile.id);
    expect(dump.env.HARNESS_ISSUE_TITLE).toBe(hostile.title);
    expect(dump.env.HARNESS_ISSUE_BODY).toBe(hostile.body);
    expect(dump.env.HARNESS_WORKER_ID).toBe('w-7');
    expect(dump.env.HARNESS_SESSION_ID).toBe('sess-42');
    expect(dump.env.HARNESS_ATTEMPT).toBe('3');
    // One set of files per worker, rewritten for each of its sessions.
    expect(dump.env.HARNESS_HEARTBEAT_FILE).toMatch(new RegExp(`^${sandbox.dir}/heartbeats/${process.pid}\\.\\d+-w-7\\.heartbeat$`));
    expect(JSON.parse(dump.issueFile)).toEqual(hostile);
    expect(dump.stdin).toBe(`${hostile.title}\n${hostile.body}\nx;touch pwned`);
    expect(dump.cwd).toBe(sandbox.dir);
    expect(existsSync(join(sandbox.dir, 'pwned'))).toBe(false);
    expect(existsSync(join(process.cwd(), 'pwned'))).toBe(false);
    // The session files go when the runner is closed.
    const files = [dump.env.HARNESS_HEARTBEAT_FILE!, dump.env.HARNESS_ISSUE_FILE!];
    expect(files.filter((f) => existsSync(f))).toEqual(files);
    await runner.close!();
    expect(readdirSync(join(sandbox.dir, 'heartbeats'))).toEqual([]);
  });

  it('rewrites a worker’s files for each of its sessions', async () => {
    const out = join(sandbox.dir, 'dump.json');
    const runner = sandbox.runner({ command: fixture('env-dump.mjs'), env: { ...process.env, FIXTURE_OUT: out }, promptTemplate: '{{title}}' });
    const dumps: { env: Record<string, string>; stdin: string; issueFile: string }[] = [];
    for (const [n, title] of ['a much longer first title', 'short'].entries()) {
      const session = sandbox.start(runner, { workerId: 'w-1', issue: issue({ id: `I-${n}`, title }) });
      expect(await session.exited).toEqual({ exitCode: 0, signal: null });
      dumps.push(JSON.parse(readFileSync(out, 'utf8')));
    }
    const [first, second] = dumps;
    expect(second!.env.HARNESS_ISSUE_FILE).toBe(first!.env.HARNESS_ISSUE_FILE);
    expect(JSON.parse(second!.issueFile)).toMatchObject({ id: 'I-1', title: 'short' });
    expect(second!.stdin).toBe('short');
  });

  it('stops a hanging agent with SIGTERM', async () => {
    const session = sandbox.start(sandbox.runner({ command: fixture('hang.mjs') }));
    await session.firstProgress;
    session.handle.kill();
    session.handle.kill();
    expect(await session.exited).toEqual({ exitCode: null, signal: 'SIGTERM' });
    expect(isGroupAlive(session.handle.pgid!)).toBe(false);
    expect(session.exitCount()).toBe(1);
  });

  it('escalates to SIGKILL after the grace period when SIGTERM is ignored', async () => {
    const session = sandbox.start(sandbox.runner({ command: fixture('ignore-sigterm.mjs'), killGraceMs: 300 }));
    await session.firstProgress;
    const killedAt = Date.now();
    session.handle.kill();
    expect(await session.exited).toEqual({ exitCode: null, signal: 'SIGKILL' });
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(250);
  });

  it('kills what the agent left behind in its group once it exits', async () => {
    const pidFile = join(sandbox.dir, 'grandchild.pid');
    const runner = sandbox.runner({ command: fixture('grandchild.mjs'), env: { ...process.env, FIXTURE_PID_FILE: pidFile }, killGraceMs: 500 });
    const session = sandbox.start(runner);
    expect(await session.exited).toEqual({ exitCode: 0, signal: null });
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    expect(grandchild).toBeGreaterThan(0);
    expect(await waitForDeath(grandchild)).toBe(true);
    expect(session.exitCount()).toBe(1);
  });

  it('caps the log of a flooding agent and keeps draining it', async () => {
    const cap = 64 * 1024;
    const session = sandbox.start(sandbox.runner({ command: fixture('flood.mjs'), logMaxBytes: cap }));
    // The agent writes with blocking writes: it can only finish if its output
    // is still drained after the cap (a full pipe would block it forever).
    expect(await session.exited).toEqual({ exitCode: 0, signal: null });
    const notice = truncationNotice(cap);
    expect(statSync(session.spec.logPath!).size).toBeLessThanOrEqual(cap + Buffer.byteLength(notice));
    const log = sandbox.log(session);
    expect(log.endsWith(notice)).toBe(true);
    expect(log.split('[harness] log truncated').length).toBe(2);
  }, 30_000);

  it('counts heartbeat touches as progress from a silent agent, which leaves no log file', async () => {
    const runner = sandbox.runner({ command: fixture('heartbeat.mjs'), heartbeatPollMs: 50, env: { ...process.env, FIXTURE_MS: '1200' } });
    const session = sandbox.start(runner);
    expect(await session.exited).toEqual({ exitCode: 0, signal: null });
    // A log is made at the first output.
    expect(existsSync(session.spec.logPath!)).toBe(false);
    expect(session.progress.length).toBeGreaterThanOrEqual(2);
  });

  it('coalesces progress from a chatty agent', async () => {
    const session = sandbox.start(sandbox.runner({ command: fixture('chatty-hang.mjs'), killGraceMs: 300 }));
    await session.progressReports(3);
    session.handle.kill();
    await session.exited;
    const gaps = session.progress.slice(1).map((at, i) => at - session.progress[i]!);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(250);
  });

  it('reports a missing command as an exit with an error, without throwing', async () => {
    const runner = sandbox.runner({ command: ['harness-no-such-agent-xyz', '--flag'] });
    const session = sandbox.start(runner);
    expect(session.handle.pid).toBeNull();
    const exit = await session.exited;
    expect(exit).toEqual({
      exitCode: null,
      signal: null,
      error: 'agent command not found: harness-no-such-agent-xyz (check agent.command or --agent)',
    });
    // Node may emit 'exit' after a spawn 'error'; let any such event run.
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(session.exitCount()).toBe(1);
    session.handle.kill();
  });

  it('reports a command that is not executable', async () => {
    const script = join(sandbox.dir, 'not-executable.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n');
    chmodSync(script, 0o644);
    const exit = await sandbox.start(sandbox.runner({ command: [script] })).exited;
    expect(exit.error).toBe(`agent command ${script} is not executable: chmod +x ${script} (or check agent.command or --agent)`);
  });

  it('reports a missing working directory', async () => {
    const exit = await sandbox.start(sandbox.runner({ command: fixture('succeed.mjs') }), { cwd: join(sandbox.dir, 'gone') }).exited;
    expect(exit.error).toContain('working directory does not exist');
  });

  it('runs without a log path', async () => {
    const session = sandbox.start(sandbox.runner({ command: fixture('succeed.mjs') }), { logPath: null });
    expect(await session.exited).toEqual({ exitCode: 0, signal: null });
    expect(readdirSync(sandbox.dir)).not.toContain('logs');
  });

  it('runs an agent whose log cannot be made, as on a full disk: the session goes on', async () => {
    writeFileSync(join(sandbox.dir, 'not-a-directory'), '');
    const session = sandbox.start(sandbox.runner({ command: fixture('succeed.mjs') }), { logPath: join(sandbox.dir, 'not-a-directory', 'a.log') });
    expect(await session.exited).toEqual({ exitCode: 0, signal: null });
  });

  it('refuses an empty command', () => {
    const options = { command: [], promptTemplate: '', clock: realClock, killGraceMs: 1, logMaxBytes: 1, heartbeatDir: sandbox.dir };
    expect(() => new ProcessRunner(options)).toThrow(UsageError);
    expect(() => new LauncherRunner(options)).toThrow(UsageError);
  });

  it('gives the agent stdin, stdout and stderr and no other descriptor of the harness', async () => {
    // ls lists its own descriptors, the directory it reads included.
    const listFds = ['ls', '/proc/self/fd'];
    const fds = (text: string) => text.trim().split(/\s+/).sort();
    // What any child of this test process inherits from whoever started it.
    const baseline = fds(execFileSync(listFds[0]!, listFds.slice(1), { encoding: 'utf8' }));
    const session = sandbox.start(sandbox.runner({ command: listFds }));
    expect(await session.exited).toEqual({ exitCode: 0, signal: null });
    expect(fds(sandbox.log(session))).toEqual(baseline);
  });

  it('starts the agent with default signal handling and nothing blocked', async () => {
    const session = sandbox.start(sandbox.runner({ command: ['grep', '-E', '^Sig(Blk|Ign)', '/proc/self/status'] }));
    expect(await session.exited).toEqual({ exitCode: 0, signal: null });
    const lines = Object.fromEntries(sandbox.log(session).trim().split('\n').map((l) => l.split(/:\s+/)));
    expect(BigInt(`0x${lines.SigBlk}`)).toBe(0n);
    // SIGHUP, SIGINT and SIGTERM, which a launcher ignores, are not ignored by the agent.
    const ignored = BigInt(`0x${lines.SigIgn}`);
    for (const signal of [1, 2, 15]) expect(ignored & (1n << BigInt(signal - 1))).toBe(0n);
  });

  it('finds a bare command name on the PATH of the agents’ environment', async () => {
    const bin = join(sandbox.dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'my-agent'), '#!/bin/sh\necho found on PATH\n', { mode: 0o755 });
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` };
    const session = sandbox.start(sandbox.runner({ command: ['my-agent'], env }));
    expect(await session.exited).toEqual({ exitCode: 0, signal: null });
    expect(sandbox.log(session)).toContain('found on PATH');
  });

  it('passes tabs, newlines, percent signs and unicode in issue text through unchanged', async () => {
    const title = 'tab\there %25 %09 100% ünïcødé 🚀';
    const body = 'line one\nline\ttwo\r\n%0A stays literal\n';
    const out = join(sandbox.dir, 'dump.json');
    const runner = sandbox.runner({ command: fixture('env-dump.mjs'), env: { ...process.env, FIXTURE_OUT: out }, promptTemplate: '{{title}}|{{body}}' });
    const session = sandbox.start(runner, { issue: issue({ id: 'U-%1', title, body }) });
    expect(await session.exited).toEqual({ exitCode: 0, signal: null });
    const dump = JSON.parse(readFileSync(out, 'utf8')) as { env: Record<string, string>; stdin: string; issueFile: string };
    expect(dump.env.HARNESS_ISSUE_TITLE).toBe(title);
    expect(dump.env.HARNESS_ISSUE_BODY).toBe(body);
    expect(dump.env.HARNESS_ISSUE_ID).toBe('U-%1');
    expect(JSON.parse(dump.issueFile).title).toBe(title);
    expect(dump.stdin).toBe(`${title}|${body}`);
  });

  it('kill after exit is a no-op', async () => {
    const session = sandbox.start(sandbox.runner({ command: fixture('succeed.mjs') }));
    await session.exited;
    session.handle.kill();
    expect(pidAlive(session.handle.pid!)).toBe(false);
    expect(session.exitCount()).toBe(1);
  });
});
