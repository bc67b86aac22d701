import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { launcherBinary } from '../../src/agents/launcher/binary.js';
import { ByteLineReader, decodeEvent, decodeEventBytes, decodeField, encodeField, encodeStart } from '../../src/agents/launcher/protocol.js';
import { createAgentRunner, LauncherRunner } from '../../src/agents/launcher/runner.js';
import { ProcessRunner } from '../../src/agents/process-runner.js';
import { realClock } from '../../src/runtime/clock.js';
import type { SessionExit } from '../../src/agents/types.js';
import { Sandbox, fixture, issue, pidAlive, waitForDeath } from './helpers.js';

/** The parent of a process: for an agent, the launcher that started it. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

let sandbox: Sandbox;
beforeEach(() => {
  sandbox = new Sandbox('launcher');
});
afterEach(() => sandbox.cleanup());

describe('LauncherRunner', () => {
  it('starts agents from a launcher process, not from the harness', async () => {
    const runner = sandbox.runner({ command: fixture('hang.mjs') });
    const session = sandbox.start(runner);
    const pid = await session.spawned;
    const launcher = parentOf(pid);
    expect(launcher).not.toBe(process.pid);
    expect(readFileSync(`/proc/${launcher}/cmdline`, 'utf8')).toContain('launcher');
    session.handle.kill();
    expect(await session.exited).toEqual({ exitCode: null, signal: 'SIGTERM' });
  });

  it('spreads concurrent sessions over its launchers', async () => {
    const runner = sandbox.runner({ command: fixture("hang.mjs"), launchers: 2 });
    const sessions = [sandbox.start(runner), sandbox.start(runner), sandbox.start(runner), sandbox.start(runner)];
    const parents = new Set((await Promise.all(sessions.map((s) => s.spawned))).map(parentOf));
    expect(parents.size).toBe(2);
    for (const s of sessions) s.handle.kill();
    await Promise.all(sessions.map((s) => s.exited));
  });

  it('ends running sessions with an error and kills their agents when a launcher dies, then starts a new one', async () => {
    const runner = sandbox.runner({ command: fixture('hang.mjs') });
    const session = sandbox.start(runner);
    const pid = await session.spawned;
    process.kill(parentOf(pid), 'SIGKILL');
    const exit = await session.exited;
    expect(exit.exitCode).toBeNull();
    expect(exit.error).toMatch(/session launcher \(pid \d+\) was killed by SIGKILL; the agent was stopped/);
    expect(await waitForDeath(pid)).toBe(true);
    expect(session.exitCount()).toBe(1);

    const next = sandbox.start(sandbox.runner({ command: fixture('succeed.mjs') }));
    expect(await next.exited).toEqual({ exitCode: 0, signal: null });
  });

  it('ignores SIGINT and SIGTERM, which are the harness’s to handle', async () => {
    const runner = sandbox.runner({ command: fixture('heartbeat.mjs'), env: { ...process.env, FIXTURE_MS: '600' } });
    const session = sandbox.start(runner);
    const launcher = parentOf(await session.spawned);
    process.kill(launcher, 'SIGINT');
    process.kill(launcher, 'SIGTERM');
    expect(await session.exited).toEqual({ exitCode: 0, signal: null });
    expect(pidAlive(launcher)).toBe(true);
  });

  it('close() stops every launcher', async () => {
    const runner = sandbox.runner({ command: fixture('succeed.mjs') });
    const session = sandbox.start(runner);
    const launcher = parentOf(await session.spawned);
    await session.exited;
    await runner.close!();
    expect(await waitForDeath(launcher)).toBe(true);
  });
});

describe('the launcher build', () => {
  it('is built: `npm run build` compiles native/launcher.c (a C compiler is needed)', () => {
    expect(launcherBinary()).not.toBeNull();
  });

  it('createAgentRunner uses it when built and falls back to the in-process runner without it', () => {
    const options = { command: ['true'], promptTemplate: '', clock: realClock, killGraceMs: 100, logMaxBytes: 100, heartbeatDir: '/tmp' };
    expect(createAgentRunner(options)).toBeInstanceOf(LauncherRunner);
    expect(createAgentRunner({ ...options, binary: null })).toBeInstanceOf(ProcessRunner);
    // A launcher that cannot run here (built elsewhere, damaged): the in-process runner, not a failure per session.
    const foreign = join(sandbox.dir, 'foreign-launcher');
    writeFileSync(foreign, 'not a program for this machine', { mode: 0o755 });
    expect(createAgentRunner({ ...options, binary: foreign })).toBeInstanceOf(ProcessRunner);
    expect(createAgentRunner({ ...options, binary: '/bin/false' })).toBeInstanceOf(ProcessRunner);
    expect(() => new LauncherRunner({ ...options, binary: null })).toThrow(/not built/);
  });

  it('ends sessions with an error when the launcher cannot be started', async () => {
    const runner = sandbox.runner({ command: fixture('succeed.mjs'), binary: `${sandbox.dir}/no-such-launcher` });
    const exit = await sandbox.start(runner).exited;
    expect(exit.exitCode).toBeNull();
    expect(exit.error).toMatch(/session launcher \(pid none\) .*ENOENT; the agent was stopped/);
  });
});

describe('event groups', () => {
  it('reports the events read together from a launcher inside one deliver call', async () => {
    // A stand-in launcher: reads its init and start lines, then answers with two events in one write.
    const fake = join(sandbox.dir, 'fake-launcher');
    writeFileSync(fake, "#!/bin/sh\nread init\nread start\nprintf 'spawn\\t1\\t%s\\nexit\\t1\\t3\\t0\\n' $$\ncat > /dev/null\n", { mode: 0o755 });
    const groups: string[][] = [];
    let current: string[] | null = null;
    const deliver = (events: () => void) => {
      current = [];
      events();
      groups.push(current);
      current = null;
    };
    const runner = sandbox.runner({ command: ['unused'], binary: fake, deliver });
    const seen: string[] = [];
    const exited = new Promise<SessionExit>((resolve) =>
      runner.start(
        { sessionId: 's-1', workerId: 'w', attempt: 1, issue: issue(), cwd: sandbox.dir, logPath: null },
        {
          onSpawn: (pid) => current?.push(`spawn ${pid > 0}`) ?? seen.push('spawn outside a group'),
          onProgress: () => {},
          onExit: (exit) => {
            current?.push(`exit ${exit.exitCode}`) ?? seen.push('exit outside a group');
            resolve(exit);
          },
        },
      ),
    );
    expect(await exited).toEqual({ exitCode: 3, signal: null });
    expect(seen).toEqual([]);
    expect(groups).toEqual([['spawn true', 'exit 3']]);
  });
});

describe('a launcher that ends', () => {
  it('has every event it wrote before it ended reported first', async () => {
    const fake = join(sandbox.dir, 'fake-launcher');
    // Reports the session's exit, then dies at once.
    writeFileSync(fake, "#!/bin/sh\nread init\nread start\nprintf 'spawn\\t1\\t%s\\nexit\\t1\\t3\\t0\\n' $$\nexit 1\n", { mode: 0o755 });
    const runner = sandbox.runner({ command: ['unused'], binary: fake });
    const exited = new Promise<SessionExit>((resolve) =>
      runner.start({ sessionId: 's-1', workerId: 'w', attempt: 1, issue: issue(), cwd: sandbox.dir, logPath: null }, { onProgress: () => {}, onExit: resolve }),
    );
    expect(await exited).toEqual({ exitCode: 3, signal: null });
  });
});

describe('protocol', () => {
  it('escapes fields so that any text survives, tabs, newlines, NUL and percent signs included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const encoded = encodeField(text);
        expect(encoded).not.toMatch(/[\t\n\0]/);
        expect(decodeField(encoded)).toBe(text);
      }),
    );
  });

  it('puts a start request on one line of tab-separated fields', () => {
    const line = encodeStart({
      key: '7',
      cwd: '/w',
      logPath: null,
      issueFile: '/h/s.issue.json',
      issueJson: '{"title":"a\tb"}\n',
      heartbeatFile: '/h/s.heartbeat',
      promptFile: '/h/s.prompt',
      prompt: 'line\nline',
      mode: 'structured',
      argv: ['claude', '--resume', 'a\tb'],
      env: { HARNESS_ISSUE_TITLE: 'a\tb' },
    });
    expect(line).not.toContain('\n');
    expect(line.split('\t').map(decodeField)).toEqual([
      'start', '7', '/w', '', '/h/s.issue.json', '{"title":"a\tb"}\n', '/h/s.heartbeat', '/h/s.prompt', 'line\nline',
      's', '3', 'claude', '--resume', 'a\tb', '1', 'HARNESS_ISSUE_TITLE=a\tb',
    ]);
  });

  it('reads every event the launcher sends', () => {
    expect(decodeEvent('spawn\t3\t4242')).toEqual({ type: 'spawn', key: '3', pid: 4242 });
    expect(decodeEvent('progress\t3')).toEqual({ type: 'progress', key: '3' });
    expect(decodeEvent('out\t3\t{"type":"x","a":"%09%0A%25%00"}')).toEqual({ type: 'out', key: '3', line: Buffer.from('{"type":"x","a":"\t\n%\0"}\n') });
    expect(decodeEvent('long\t3\t5000000')).toEqual({ type: 'long', key: '3', bytes: 5000000 });
    expect(decodeEvent('err\t3\tError: no rollout%0A')).toEqual({ type: 'err', key: '3', text: 'Error: no rollout\n' });
    expect(decodeEvent('exit\t3\t7\t0')).toEqual({ type: 'exit', key: '3', exitCode: 7, signal: null });
    expect(decodeEvent('exit\t3\t-\t15')).toEqual({ type: 'exit', key: '3', exitCode: null, signal: 'SIGTERM' });
    expect(decodeEvent('fail\t3\tspawn\tENOENT\tNo such file%09x')).toEqual({
      type: 'fail', key: '3', stage: 'spawn', code: 'ENOENT', message: 'No such file\tx',
    });
    expect(decodeEvent('hello\t3')).toBeNull();
  });
});

describe('ByteLineReader', () => {
  it('joins lines split across chunks and skips empty ones, each handed over with its newline after it', () => {
    const lines: string[] = [];
    const reader = new ByteLineReader((bytes, start, end) => {
      expect(bytes[end]).toBe(0x0a);
      lines.push(bytes.toString('utf8', start, end));
    });
    for (const chunk of ['{"a":', '1}\n\n{"b"', ':2}\n{"c":3', '}\n', 'é'.slice(0, 1), '\n']) reader.push(Buffer.from(chunk));
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}', 'é']);
  });

  it("reads an agent's stdout line from the launcher's bytes, escapes decoded, newline kept", () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (key, text) => {
        const line = Buffer.from(`out\t${encodeField(key)}\t${encodeField(text)}\n`);
        expect(decodeEventBytes(line, 0, line.length - 1)).toEqual({ type: 'out', key, line: Buffer.from(`${text}\n`) });
      }),
    );
    const exit = Buffer.from('exit\t3\t7\t0\n');
    expect(decodeEventBytes(exit, 0, exit.length - 1)).toEqual({ type: 'exit', key: '3', exitCode: 7, signal: null });
  });
});
