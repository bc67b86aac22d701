import type { EventBus } from '../core/events.js';
import { stripUndefined } from '../core/objects.js';
import type { ScaleMetrics } from '../core/metrics-types.js';
import { hasExceededQuota } from '../core/quota.js';
import { defaultRules } from '../core/run/rules.js';
import type { ScalePolicy } from '../core/run/state.js';
import type { ScaleDecision } from '../core/scale.js';
import { DEFAULT_SCALE_CONFIG, type ScaleConfig } from '../core/scale-config.js';
import type { SessionOutcome } from '../core/states.js';
import { renderMetricsTable } from '../metrics/render.js';
import type { Clock } from './clock.js';
import type { Engine } from './engine.js';
import type { WorkerPool } from './worker-pool.js';

export type { ScalePolicy };

/** What the ScaleManager needs from a merge queue: its depth. */
export interface MergeQueueProbe {
  depth(): number;
}

export interface ScaleManagerDeps {
  clock?: Clock;
  /** Defaults to the pool's event bus, so pool and scaler events share one stream. */
  events?: EventBus;
  policy?: ScalePolicy;
  /** Where displayMetrics() writes. Default: stdout. */
  write?: (text: string) => void;
}

/**
 * The seed's ScaleManager: keeps the worker pool sized to the queue, watches
 * sessions for stalls, tracks health and backpressure, and reports the
 * seed's metrics. Its state is the run's one state, shared with the pool it
 * is given (and with the Coordinator that made it, if any); the decisions
 * are the run's reducer's.
 *
 * On its own, whoever owns the sessions feeds it through the hooks
 * `setQueueDepth`, `onSessionStart`, `onSessionProgress` and
 * `onSessionEnd`; stalls are announced as `session:stalled` events.
 */
export class ScaleManager {
  readonly events: EventBus;
  private readonly engine: Engine;
  private readonly write: (text: string) => void;

  constructor(
    readonly workerPool: WorkerPool,
    readonly cwd: string,
    readonly mergeQueue: MergeQueueProbe | null = null,
    config: Partial<ScaleConfig> = {},
    deps: ScaleManagerDeps = {},
  ) {
    this.engine = workerPool.engine;
    this.write = deps.write ?? ((text) => process.stdout.write(text));
    const owned = this.engine.state.rules.dispatches;
    if (!owned) {
      // A pool of its own: this manager's config and policy become the run's rules.
      const scale = { ...DEFAULT_SCALE_CONFIG, ...stripUndefined(config) };
      this.engine.configure({
        rules: defaultRules({ scale, ...(deps.policy ? { policy: deps.policy } : {}) }),
        ...(deps.clock ? { clock: deps.clock } : {}),
        ...(deps.events ? { events: deps.events } : {}),
      });
    }
    if (mergeQueue) this.engine.configure({ mergeDepth: () => mergeQueue.depth() });
    this.events = this.engine.events;
  }

  get config(): ScaleConfig {
    return this.engine.state.rules.scale;
  }

  /** Provision minWorkers, run a first check, then check every healthCheckIntervalMs (the timer never keeps the process alive). */
  async start(): Promise<void> {
    this.engine.feed({ type: 'start-checks' });
  }

  async stop(): Promise<void> {
    this.engine.feed({ type: 'stop-checks' });
  }

  get isRunning(): boolean {
    return this.engine.state.checking;
  }

  /** The last error a health check threw, if any (also emitted as `health:error`). */
  get lastCheckError(): unknown {
    return this.engine.state.lastCheckError;
  }

  // --- hooks ---------------------------------------------------------------

  /** The queue's depth changed; updates backpressure (counted on the off→on transition). */
  setQueueDepth(depth: number): void {
    this.engine.feed({ type: 'queue-depth', depth });
  }

  onSessionStart(workerId: string, sessionId: string, at = this.now()): void {
    this.engine.feed({ type: 'hook-start', workerId, sessionId, at });
  }

  onSessionProgress(sessionId: string, at = this.now()): void {
    this.engine.feed({ type: 'hook-progress', sessionId, at });
  }

  /** A session ended. Its worker goes back to idle (or retires if draining); a worker that reached its quota is recycled. */
  onSessionEnd(workerId: string, sessionId: string, outcome: SessionOutcome, durationMs: number, at = this.now()): void {
    this.engine.feed({ type: 'hook-end', workerId, sessionId, outcome, durationMs, at });
  }

  // --- the seed's queries ----------------------------------------------------

  hasExceededQuota(workerId: string): boolean {
    const worker = this.workerPool.get(workerId);
    return worker ? hasExceededQuota(worker.sessionsRun, this.config) : false;
  }

  shouldApplyBackpressure(): boolean {
    return this.engine.state.backpressure.active;
  }

  getMetrics(): ScaleMetrics {
    return this.engine.metrics();
  }

  displayMetrics(): void {
    this.write(renderMetricsTable(this.getMetrics()) + '\n');
  }

  /** One health check now: stalls, health, scaling. Returns the scaling decision. */
  runHealthCheck(): ScaleDecision | null {
    this.engine.feed({ type: 'check' });
    return this.engine.state.lastDecision;
  }

  private now(): number {
    return this.engine.ports.clock.now();
  }
}

export function createScaleManager(
  workerPool: WorkerPool,
  cwd: string,
  mergeQueue: MergeQueueProbe | null = null,
  config: Partial<ScaleConfig> = {},
  deps: ScaleManagerDeps = {},
): ScaleManager {
  return new ScaleManager(workerPool, cwd, mergeQueue, config, deps);
}
