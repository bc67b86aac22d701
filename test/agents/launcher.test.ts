import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LineReader } from '../../src/agents/launcher/protocol.js';
import { Sandbox, fixture, pidAlive, waitForDeath } from './helpers.js';

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

describe('LineReader', () => {
  it('joins lines split across chunks and skips empty ones', () => {
    const lines: string[] = [];
    const reader = new LineReader((line) => lines.push(line));
    for (const chunk of ['{"a":', '1}\n\n{"b"', ':2}\n{"c":3', '}\n']) reader.push(chunk);
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });
});
