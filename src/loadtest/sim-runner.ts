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
 *
 * Progress comes from one shared ticker rather than a timer per session:
 * every progressEveryMs it reports for each working session, so a session
 * is never silent for longer than that, and 100,000 sessions cost one
 * timer each (their exit) instead of twenty. The ticker runs only while a
 * session is working, so an idle clock still runs dry.
 */
export class SimulatedRunner implements SessionRunner {
  private readonly working = new Set<SessionCallbacks>();
  private ticker: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly plan: SessionPlan,
    private readonly options: SimulatedRunnerOptions,
  ) {}

  start(spec: SessionSpec, callbacks: SessionCallbacks): SessionHandle {
    const behaviour = this.plan(spec);
    let exited = false;
    let exitTimer: TimerHandle | null = null;
    const exit = (exitCode: number | null, signal: string | null): void => {
      if (exited) return;
      exited = true;
      exitTimer?.cancel();
      this.stopReporting(callbacks);
      callbacks.onExit({ exitCode, signal });
    };
    if (!behaviour.stalls) {
      this.startReporting(callbacks);
      exitTimer = this.clock.setTimeout(() => exit(behaviour.fails ? 1 : 0, null), behaviour.durationMs);
    }
    return {
      pid: null,
      pgid: null,
      kill: () => {
        if (exited) return;
        this.clock.setTimeout(() => exit(null, 'SIGTERM'), this.options.exitAfterKillMs ?? 0);
      },
    };
  }

  private startReporting(callbacks: SessionCallbacks): void {
    this.working.add(callbacks);
    this.ticker ??= this.clock.setInterval(() => {
      const now = this.clock.now();
      for (const session of this.working) session.onProgress(now);
    }, Math.max(1, this.options.progressEveryMs));
  }

  private stopReporting(callbacks: SessionCallbacks): void {
    this.working.delete(callbacks);
    if (this.working.size > 0) return;
    this.ticker?.cancel();
    this.ticker = null;
  }
}
