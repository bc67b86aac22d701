import { describe, expect, it } from 'vitest';
import type { SessionCallbacks, SessionExit, SessionHandle, SessionRunner, SessionSpec } from '../../src/agents/types.js';
import type { SessionHooks } from '../../src/runtime/coordinator-types.js';
import { startSession } from '../../src/runtime/session-course.js';

const spec = { sessionId: 's1', workerId: 'worker-1', attempt: 1, issue: { id: 'A' }, cwd: '/w', logPath: null } as unknown as SessionSpec;

/** A runner whose agent ends when the test says (or when killed), recording what happened, in order. */
function fakeRunner(steps: string[]) {
  let end: ((exit: SessionExit) => void) | null = null;
  const runner: SessionRunner = {
    start(_spec, callbacks): SessionHandle {
      steps.push('agent');
      end = callbacks.onExit;
      return {
        pid: 42,
        pgid: 42,
        kill: () => {
          steps.push('agent killed');
          end?.({ exitCode: null, signal: 'SIGTERM' });
        },
      };
    },
  };
  return { runner, finish: (exit: SessionExit) => end?.(exit) };
}

/** Hooks that wait for the test (or a stop), recording what happened. */
function fakeHooks(steps: string[], before: { refuse?: string } = {}) {
  const pending: { resolve(): void; name: string }[] = [];
  const wait = (name: string, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      steps.push(name);
      pending.push({ resolve, name });
      signal.addEventListener('abort', () => {
        steps.push(`${name} stopped`);
        resolve();
      });
    });
  const hooks: SessionHooks = {
    beforeRun: async (_spec, { signal }) => {
      await wait('beforeRun', signal);
      return signal.aborted ? null : (before.refuse ?? null);
    },
    afterRun: async (_spec, exit, { signal }) => {
      steps.push(`afterRun saw ${exit.error ?? exit.signal ?? exit.exitCode}`);
      await wait('afterRun', signal);
    },
  };
  const release = async (name: string) => {
    while (!pending.some((p) => p.name === name)) await new Promise((r) => setTimeout(r, 1));
    pending.find((p) => p.name === name)?.resolve();
  };
  return { hooks, release };
}

function callbacks(steps: string[]): SessionCallbacks & { exited: Promise<SessionExit> } {
  let resolve!: (exit: SessionExit) => void;
  const exited = new Promise<SessionExit>((r) => (resolve = r));
  return {
    exited,
    onProgress: () => undefined,
    onExit: (exit) => {
      steps.push('exit reported');
      resolve(exit);
    },
  };
}

describe('a session’s course', () => {
  it('is the agent alone, started at once, without hooks or a workspace to let go', () => {
    const steps: string[] = [];
    const { runner } = fakeRunner(steps);
    const handle = startSession({ runner, hooks: null, release: null, now: () => 0 }, spec, callbacks(steps));
    expect(steps).toEqual(['agent']);
    expect(handle.pid).toBe(42);
  });

  it('runs beforeRun, the agent, afterRun and the release in turn, and reports the agent’s exit after all of them', async () => {
    const steps: string[] = [];
    const { runner, finish } = fakeRunner(steps);
    const { hooks, release } = fakeHooks(steps);
    const cb = callbacks(steps);
    startSession({ runner, hooks, release: async () => void steps.push('released'), now: () => 0 }, spec, cb);
    await release('beforeRun');
    while (!steps.includes('agent')) await new Promise((r) => setTimeout(r, 1));
    finish({ exitCode: 3, signal: null });
    await release('afterRun');
    expect(await cb.exited).toEqual({ exitCode: 3, signal: null });
    expect(steps).toEqual(['beforeRun', 'agent', 'afterRun saw 3', 'afterRun', 'released', 'exit reported']);
  });

  it('fails the session with beforeRun’s reason, without the agent, and still runs afterRun', async () => {
    const steps: string[] = [];
    const { runner } = fakeRunner(steps);
    const { hooks, release } = fakeHooks(steps, { refuse: 'hook beforeRun (x) failed: exit code 1' });
    const cb = callbacks(steps);
    startSession({ runner, hooks, release: null, now: () => 0 }, spec, cb);
    await release('beforeRun');
    await release('afterRun');
    expect(await cb.exited).toEqual({ exitCode: null, signal: null, error: 'hook beforeRun (x) failed: exit code 1' });
    expect(steps).not.toContain('agent');
  });

  it('stops whichever part is running when killed: beforeRun, then no agent', async () => {
    const steps: string[] = [];
    const { runner } = fakeRunner(steps);
    const { hooks, release } = fakeHooks(steps);
    const cb = callbacks(steps);
    const handle = startSession({ runner, hooks, release: null, now: () => 0 }, spec, cb);
    while (!steps.includes('beforeRun')) await new Promise((r) => setTimeout(r, 1));
    handle.kill();
    await release('afterRun');
    expect(await cb.exited).toEqual({ exitCode: null, signal: 'SIGTERM' });
    expect(steps).toEqual(['beforeRun', 'beforeRun stopped', 'afterRun saw SIGTERM', 'afterRun', 'exit reported']);
  });

  it('kills the agent, not afterRun, when killed while the agent runs; a second kill stops afterRun', async () => {
    const steps: string[] = [];
    const { runner } = fakeRunner(steps);
    const { hooks, release } = fakeHooks(steps);
    const cb = callbacks(steps);
    const handle = startSession({ runner, hooks, release: null, now: () => 0 }, spec, cb);
    await release('beforeRun');
    while (!steps.includes('agent')) await new Promise((r) => setTimeout(r, 1));
    handle.kill();
    while (!steps.includes('afterRun')) await new Promise((r) => setTimeout(r, 1));
    handle.kill();
    await cb.exited;
    expect(steps).toEqual(['beforeRun', 'agent', 'agent killed', 'afterRun saw SIGTERM', 'afterRun', 'afterRun stopped', 'exit reported']);
  });
});
