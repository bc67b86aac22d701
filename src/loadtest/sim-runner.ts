import type { SessionCallbacks, SessionHandle, SessionRunner, SessionSpec } from '../agents/types.js';
import type { Clock, TimerHandle } from '../runtime/clock.js';

/** What one simulated session will do. */
export interface SimulatedBehaviour {
  /** How long the session works before exiting (ms of clock time). */
  durationMs: number;
  /** Exit non-zero at the end instead of zero. */
  fails: boolean;
  /** Go silent after starting and never exit on its own (until killed). */
  stalls: boolean;
}

export type SessionPlan = (spec: SessionSpec) => SimulatedBehaviour;

export interface SimulatedRunnerOptions {
  /** A working session reports progress this often (ms). */
  progressEveryMs: number;
  /** Time from a kill to the exit (ms); a simulated agent honours SIGTERM. Default 0. */
  exitAfterKillMs?: number;
}

/**
 * A SessionRunner whose sessions exist only on the clock: each works for its
 * drawn duration, reporting progress as a real agent prints output, then
 * exits 0 or 1; a stalling one goes silent until the harness kills it. The
 * coordinator cannot tell these from real processes.
 */
export class SimulatedRunner implements SessionRunner {
  constructor(
    private readonly clock: Clock,
    private readonly plan: SessionPlan,
    private readonly options: SimulatedRunnerOptions,
  ) {}

  start(spec: SessionSpec, callbacks: SessionCallbacks): SessionHandle {
    const behaviour = this.plan(spec);
    const clock = this.clock;
    const timers: TimerHandle[] = [];
    let exited = false;
    const exit = (exitCode: number | null, signal: string | null): void => {
      if (exited) return;
      exited = true;
      for (const t of timers) t.cancel();
      callbacks.onExit({ exitCode, signal });
    };
    if (!behaviour.stalls) {
      const every = Math.max(1, this.options.progressEveryMs);
      // One self-rescheduling timer per session keeps the event heap small.
      const tick = (): void => {
        callbacks.onProgress(clock.now());
        const left = behaviour.durationMs - (clock.now() - startedAt);
        if (left > every) timers[0] = clock.setTimeout(tick, every);
      };
      const startedAt = clock.now();
      if (behaviour.durationMs > every) timers[0] = clock.setTimeout(tick, every);
      timers.push(clock.setTimeout(() => exit(behaviour.fails ? 1 : 0, null), behaviour.durationMs));
    }
    return {
      pid: null,
      pgid: null,
      kill: () => {
        if (exited) return;
        timers.push(clock.setTimeout(() => exit(null, 'SIGTERM'), this.options.exitAfterKillMs ?? 0));
      },
    };
  }
}
