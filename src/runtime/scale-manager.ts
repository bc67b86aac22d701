import { nextBackpressure, type BackpressureState } from '../core/backpressure.js';
import { EventBus } from '../core/events.js';
import { assessHealth, healthWindowMs } from '../core/health.js';
import { DurationDigest, SlidingWindowCounter, THROUGHPUT_WINDOW_MS } from '../core/metrics.js';
import type { ScaleMetrics } from '../core/metrics-types.js';
import { hasExceededQuota } from '../core/quota.js';
import { decideScale, type ScaleDecision, type ScaleInput } from '../core/scale.js';
import { DEFAULT_SCALE_CONFIG, type ScaleConfig } from '../core/scale-config.js';
import { FAILED_OUTCOMES, REFUNDED_OUTCOMES, type HealthStatus, type SessionOutcome } from '../core/states.js';
import { findStalls, type WorkingSession } from '../core/stalls.js';
import { renderMetricsTable } from '../metrics/render.js';
import { realClock, type Clock, type TimerHandle } from './clock.js';
import type { WorkerPool } from './worker-pool.js';

/** What the ScaleManager needs from a merge queue: its depth. */
export interface MergeQueueProbe {
  depth(): number;
}

/** A scaling policy: the default is the core's decideScale; the load test compares others. */
export type ScalePolicy = (input: ScaleInput, config: ScaleConfig) => ScaleDecision;

export interface ScaleManagerDeps {
  clock?: Clock;
  /** Defaults to the pool's event bus, so pool and scaler events share one stream. */
  events?: EventBus;
  policy?: ScalePolicy;
  /** Where displayMetrics() writes. Default: stdout. */
  write?: (text: string) => void;
}

interface TrackedSession extends WorkingSession {
  stalledAt: number | null;
}

/**
 * Keeps the worker pool sized to the queue, watches sessions for stalls,
 * tracks health and backpressure, and keeps the seed's metrics. Decisions
 * are the core's pure functions; this class only gathers their inputs and
 * applies their results.
 *
 * The coordinator feeds it through the hooks `setQueueDepth`,
 * `onSessionStart`, `onSessionProgress` and `onSessionEnd`; stalls are
 * announced as `session:stalled` events for whoever owns the sessions.
 */
export class ScaleManager {
  readonly config: ScaleConfig;
  readonly events: EventBus;
  private readonly clock: Clock;
  private readonly policy: ScalePolicy;
  private readonly write: (text: string) => void;
  private timer: TimerHandle | null = null;
  private running = false;

  private queueDepth = 0;
  private backpressure: BackpressureState = { active: false, activations: 0 };
  private lastScaleAt: number | null = null;
  private scaleOperations = 0;
  private health: HealthStatus = 'healthy';
  private workerStalls = 0;
  private readonly sessions = new Map<string, TrackedSession>();
  private readonly durations = new DurationDigest();
  private readonly throughput = new SlidingWindowCounter(THROUGHPUT_WINDOW_MS);
  private readonly recentOk: SlidingWindowCounter;
  private readonly recentFailed: SlidingWindowCounter;
  private readonly recentStalls: SlidingWindowCounter;
  private completed = 0;
  private failed = 0;
  /** The last error a health check threw, if any (also emitted as `health:error`). */
  lastCheckError: unknown = null;

  constructor(
    readonly workerPool: WorkerPool,
    readonly cwd: string,
    readonly mergeQueue: MergeQueueProbe | null = null,
    config: Partial<ScaleConfig> = {},
    deps: ScaleManagerDeps = {},
  ) {
    this.config = { ...DEFAULT_SCALE_CONFIG, ...stripUndefined(config) };
    this.clock = deps.clock ?? realClock;
    this.events = deps.events ?? workerPool.events;
    this.policy = deps.policy ?? decideScale;
    this.write = deps.write ?? ((text) => process.stdout.write(text));
    const window = healthWindowMs(this.config);
    this.recentOk = new SlidingWindowCounter(window);
    this.recentFailed = new SlidingWindowCounter(window);
    this.recentStalls = new SlidingWindowCounter(window);
  }

  /** Provision minWorkers, run a first check, then check every healthCheckIntervalMs. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    // Initial provisioning is not a scale operation and starts no cooldown.
    this.workerPool.growTo(this.config.minWorkers);
    this.safeCheck();
    this.timer = this.clock.setInterval(() => this.safeCheck(), this.config.healthCheckIntervalMs);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    this.timer = null;
  }

  get isRunning(): boolean {
    return this.running;
  }

  // --- hooks the coordinator calls -----------------------------------------

  /** The queue's depth changed; updates backpressure (counted on the off→on transition). */
  setQueueDepth(depth: number): void {
    this.queueDepth = depth;
    const next = nextBackpressure(this.backpressure, depth, this.config);
    this.backpressure = { active: next.active, activations: next.activations };
    if (next.changed) {
      this.events.emit(next.changed === 'on' ? 'backpressure:on' : 'backpressure:off', { at: this.clock.now(), queueDepth: depth });
    }
  }

  onSessionStart(workerId: string, sessionId: string, at = this.clock.now()): void {
    this.workerPool.assign(workerId, sessionId);
    this.sessions.set(sessionId, { workerId, sessionId, startedAt: at, lastProgressAt: at, stalledAt: null });
  }

  onSessionProgress(sessionId: string, at = this.clock.now()): void {
    const session = this.sessions.get(sessionId);
    if (session && at > session.lastProgressAt) session.lastProgressAt = at;
  }

  /**
   * A session ended. Its worker goes back to idle (or retires if draining);
   * a worker that reached its quota is recycled.
   */
  onSessionEnd(workerId: string, sessionId: string, outcome: SessionOutcome, durationMs: number, at = this.clock.now()): void {
    this.sessions.delete(sessionId);
    const worker = this.workerPool.release(workerId);
    if (!REFUNDED_OUTCOMES.includes(outcome)) {
      this.durations.add(Math.max(0, durationMs));
      if (outcome === 'success') {
        this.completed++;
        this.throughput.add(at);
        this.recentOk.add(at);
      } else if (FAILED_OUTCOMES.includes(outcome)) {
        this.failed++;
        this.recentFailed.add(at);
      }
    }
    if (worker.state === 'idle' && this.hasExceededQuota(workerId)) this.workerPool.recycle(workerId);
  }

  // --- the seed's queries ----------------------------------------------------

  hasExceededQuota(workerId: string): boolean {
    const worker = this.workerPool.get(workerId);
    return worker ? hasExceededQuota(worker.sessionsRun, this.config) : false;
  }

  shouldApplyBackpressure(): boolean {
    return this.backpressure.active;
  }

  getMetrics(): ScaleMetrics {
    const now = this.clock.now();
    const idle = this.workerPool.idle().length;
    const working = this.workerPool.working().length;
    const draining = this.workerPool.draining().length;
    const finished = this.completed + this.failed;
    return {
      timestamp: now,
      currentWorkers: idle + working,
      activeWorkers: working,
      idleWorkers: idle,
      stalledWorkers: this.currentlyStalled(),
      drainingWorkers: draining,
      queueDepth: this.queueDepth,
      mergeQueueDepth: this.mergeQueue?.depth() ?? 0,
      throughputPerMinute: (this.throughput.count(now) * 60_000) / THROUGHPUT_WINDOW_MS,
      avgSessionDurationMs: this.durations.count ? this.durations.mean : 0,
      p95SessionDurationMs: this.durations.percentile(0.95),
      p99SessionDurationMs: this.durations.percentile(0.99),
      successRate: finished ? this.completed / finished : 1,
      totalSessionsCompleted: this.completed,
      totalSessionsFailed: this.failed,
      health: this.assess(now),
      backpressureActive: this.backpressure.active,
      backpressureActivations: this.backpressure.activations,
      scaleOperations: this.scaleOperations,
      workerStalls: this.workerStalls,
    };
  }

  displayMetrics(): void {
    this.write(renderMetricsTable(this.getMetrics()) + '\n');
  }

  // --- the health check --------------------------------------------------------

  /** One health check: stalls, health, scaling. Public so tests and the load test can call it. */
  runHealthCheck(): ScaleDecision {
    const now = this.clock.now();
    for (const session of findStalls([...this.sessions.values()].filter((s) => s.stalledAt === null), this.config, now)) {
      session.stalledAt = now;
      this.workerStalls++;
      this.recentStalls.add(now);
      this.events.emit('session:stalled', { at: now, sessionId: session.sessionId, workerId: session.workerId, lastProgressAt: session.lastProgressAt });
    }
    const health = this.assess(now);
    if (health !== this.health) {
      this.events.emit('health:changed', { at: now, from: this.health, to: health });
      this.health = health;
    }
    const decision = this.applyScaling(now);
    this.events.emit('health:checked', { at: now, metrics: this.getMetrics() });
    return decision;
  }

  private applyScaling(now: number): ScaleDecision {
    const decision = this.policy(
      { workers: this.workerPool.size, busy: this.workerPool.busy().length, queueDepth: this.queueDepth, now, lastScaleAt: this.lastScaleAt },
      this.config,
    );
    if (decision.direction === 'hold' || decision.target === decision.from) return decision;
    if (decision.direction === 'up') this.workerPool.growTo(decision.target);
    else this.workerPool.shrinkTo(decision.target, `scale-down: ${decision.reason}`);
    this.lastScaleAt = now;
    this.scaleOperations++;
    this.events.emit(decision.direction === 'up' ? 'scale:up' : 'scale:down', { at: now, from: decision.from, to: decision.target, reason: decision.reason });
    return decision;
  }

  private safeCheck(): void {
    try {
      this.runHealthCheck();
    } catch (error) {
      this.lastCheckError = error;
      this.events.emit('health:error', { at: this.clock.now(), error });
    }
  }

  private assess(now: number): HealthStatus {
    const ok = this.recentOk.count(now);
    const bad = this.recentFailed.count(now);
    return assessHealth({ successRate: ok + bad ? ok / (ok + bad) : null, stalledWorkers: this.recentStalls.count(now) });
  }

  private currentlyStalled(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.stalledAt !== null) n++;
    return n;
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

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
