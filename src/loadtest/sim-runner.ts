import type { SessionCallbacks, SessionHandle, SessionRunner, SessionSpec } from '../agents/types.js';
import type { Clock, TimerHandle } from '../runtime/clock.js';
import { retryDelay, type ProviderLimit } from './provider.js';

/** What one simulated session will do. */
export interface SimulatedBehaviour {
  /** How long the session works before exiting (ms of clock time). */
  durationMs: number;
  /** Exit non-zero at the end instead of zero. */
  fails: boolean;
  /** Go silent after starting and never exit on its own (until killed). */
  stalls: boolean;
  /** Under a rate limit: the jitter in [0.5, 1) of the n-th wait after a 429. Default 1. */
  jitter?: (n: number) => number;
}

export type SessionPlan = (spec: SessionSpec) => SimulatedBehaviour;

export interface SimulatedRunnerOptions {
  /** A working session reports progress this often (ms). */
  progressEveryMs: number;
  /** Time from a kill to the exit (ms); a simulated agent honours SIGTERM. Default 0. */
  exitAfterKillMs?: number;
  /**
   * The provider's rate limit: each session then works request by request,
   * and a request the provider refuses is retried after a backoff, during
   * which the session makes no progress and reports the 429 as a retry.
   */
  provider?: ProviderLimit;
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
    let timer: TimerHandle | null = null;
    const exit = (exitCode: number | null, signal: string | null): void => {
      if (exited) return;
      exited = true;
      timer?.cancel();
      this.stopReporting(callbacks);
      callbacks.onExit({ exitCode, signal });
    };
    const provider = this.options.provider;
    if (!behaviour.stalls && provider) {
      this.requestByRequest(provider, behaviour, callbacks, (next) => (exited ? null : (timer = next)), () => exit(behaviour.fails ? 1 : 0, null));
    } else if (!behaviour.stalls) {
      this.startReporting(callbacks);
      timer = this.clock.setTimeout(() => exit(behaviour.fails ? 1 : 0, null), behaviour.durationMs);
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

  /**
   * A session under the provider's rate limit: a request, then requestEveryMs
   * of work (progress), and so on until its duration is worked; a refused
   * request waits (no progress) and is tried again. `arm` keeps the pending
   * timer so a kill cancels it; `finish` is the session's own exit.
   */
  private requestByRequest(
    provider: ProviderLimit,
    behaviour: SimulatedBehaviour,
    callbacks: SessionCallbacks,
    arm: (timer: TimerHandle) => void,
    finish: () => void,
  ): void {
    let left = behaviour.durationMs;
    let refused = 0;
    let waits = 0;
    const next = (): void => {
      const now = this.clock.now();
      if (provider.request(now)) {
        refused = 0;
        this.startReporting(callbacks);
        const work = Math.min(provider.requestEveryMs, left);
        left -= work;
        arm(this.clock.setTimeout(left > 0 ? next : finish, work));
        return;
      }
      refused++;
      waits++;
      this.stopReporting(callbacks);
      const delayMs = retryDelay(refused, behaviour.jitter?.(waits) ?? 1);
      provider.counts.waitedMs += delayMs;
      callbacks.onAgentEvents?.([{ type: 'retry', attempt: refused, maxRetries: null, delayMs, status: 429, error: 'rate_limited', message: 'rate limited (429): retrying' }], now);
      arm(this.clock.setTimeout(next, delayMs));
    };
    next();
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
