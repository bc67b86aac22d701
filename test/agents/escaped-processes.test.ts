import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, fixture, pidAlive, waitForDeath } from './helpers.js';

/**
 * A session's processes cannot outlive it, not even one the agent moved to
 * a new session and process group with setsid (test/fixtures/agents/detach.mjs).
 */

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let sandbox: Sandbox;
/** Everything a test left behind is killed afterwards, whatever happened. */
const leftBehind: number[] = [];
afterEach(async () => {
  for (const pid of leftBehind.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone, as it should be.
    }
  }
  await sandbox.cleanup();
});

function detachRunner(env: Record<string, string>, options: { killGraceMs?: number; launchers?: number } = {}) {
  const pidFile = join(sandbox.dir, `escapee-${Math.random().toString(36).slice(2)}.json`);
  const runner = sandbox.runner({ command: fixture('detach.mjs'), env: { ...process.env, FIXTURE_PID_FILE: pidFile, ...env }, ...options });
  const escaped = async (): Promise<number[]> => {
    await waitUntil(() => existsSync(pidFile), 'the escapee to start');
    const pids = JSON.parse(readFileSync(pidFile, 'utf8')) as number[];
    leftBehind.push(...pids);
    return pids;
  };
  /** What the escapee recorded at each SIGTERM it received. */
  const terms = (): { agentAlive: boolean }[] =>
    existsSync(`${pidFile}.term`) ? readFileSync(`${pidFile}.term`, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { agentAlive: boolean }) : [];
  return { runner, escaped, terms };
}

describe.each(['in-process', 'launcher'] as const)('%s runner', (kind) => {
  beforeEach(() => {
    sandbox = new Sandbox(kind);
  });

  it('stops a process the agent left in a new session, and its child, once the agent exits', async () => {
    const { runner, escaped } = detachRunner({});
    const session = sandbox.start(runner);
    expect(await session.exited).toEqual({ exitCode: 0, signal: null });
    const [escapee, child] = await escaped();
    expect(await waitForDeath(escapee!)).toBe(true);
    expect(await waitForDeath(child!)).toBe(true);
  });

  it('SIGKILLs a left-behind process that ignores SIGTERM after the grace period', async () => {
    const { runner, escaped } = detachRunner({ FIXTURE_IGNORE_TERM: '1' }, { killGraceMs: 300 });
    const session = sandbox.start(runner);
    expect(await session.exited).toEqual({ exitCode: 0, signal: null });
    const [escapee, child] = await escaped();
    expect(await waitForDeath(escapee!)).toBe(true);
    expect(await waitForDeath(child!)).toBe(true);
  });

  it('stops what a stopped session left in a new session', async () => {
    const { runner, escaped } = detachRunner({ FIXTURE_HANG: '1' });
    const session = sandbox.start(runner);
    const [escapee, child] = await escaped();
    expect(pidAlive(escapee!)).toBe(true);
    session.handle.kill();
    expect(await session.exited).toEqual({ exitCode: null, signal: 'SIGTERM' });
    expect(await waitForDeath(escapee!)).toBe(true);
    expect(await waitForDeath(child!)).toBe(true);
  });
});

describe('launcher runner, as the reaper of orphaned processes', () => {
  beforeEach(() => {
    sandbox = new Sandbox('launcher');
  });

  it('stops an orphan that cleared its environment, which no session-id scan could find', async () => {
    const { runner, escaped } = detachRunner({ FIXTURE_CLEAR_ENV: '1' });
    const session = sandbox.start(runner);
    expect(await session.exited).toEqual({ exitCode: 0, signal: null });
    const [escapee, child] = await escaped();
    expect(await waitForDeath(escapee!)).toBe(true);
    expect(await waitForDeath(child!)).toBe(true);
  });

  it('leaves an orphan of a session that still runs to that session, and stops it when that session ends', async () => {
    // The running agent outlives a SIGTERM by the grace period: ample time for the escapee to note a SIGTERM sent too early.
    const { runner, escaped, terms } = detachRunner({ FIXTURE_HANG: '1', FIXTURE_PLAIN_ATTEMPT: '2', FIXTURE_AGENT_IGNORE_TERM: '1' }, { launchers: 1, killGraceMs: 1000 });
    const running = sandbox.start(runner, { attempt: 1 });
    const launcher = parentOf(await running.spawned);
    const [escapee, child] = await escaped();
    // Its parent is gone: the launcher has adopted it.
    await waitUntil(() => parentOf(escapee!) === launcher, 'the launcher to adopt the escapee');

    // Another session on the same launcher ends meanwhile.
    const other = sandbox.start(runner, { attempt: 2, workerId: 'worker-2' });
    expect(await other.exited).toEqual({ exitCode: 0, signal: null });
    running.handle.kill();
    expect(await running.exited).toEqual({ exitCode: null, signal: 'SIGKILL' });
    expect(await waitForDeath(escapee!)).toBe(true);
    expect(await waitForDeath(child!)).toBe(true);
    // No signal reached it while its session ran; the session's grace was over when its agent went, so it was killed outright.
    expect(terms()).toEqual([]);
  });

  it('kills what a session left behind when its launcher dies', async () => {
    const { runner, escaped } = detachRunner({ FIXTURE_HANG: '1' });
    const session = sandbox.start(runner);
    const launcher = parentOf(await session.spawned);
    const [escapee, child] = await escaped();
    await waitUntil(() => parentOf(escapee!) === launcher, 'the launcher to adopt the escapee');
    process.kill(launcher, 'SIGKILL');
    expect((await session.exited).error).toMatch(/session launcher .* was killed by SIGKILL/);
    expect(await waitForDeath(escapee!)).toBe(true);
    expect(await waitForDeath(child!)).toBe(true);
  });
});
