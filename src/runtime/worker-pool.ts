import { EventBus } from '../core/events.js';
import { defaultRules } from '../core/run/rules.js';
import { poolSize, workersIn } from '../core/run/pool.js';
import type { PoolOp } from '../core/run/protocol.js';
import { initialState, type WorkerRecord } from '../core/run/state.js';
import { realClock, type Clock } from './clock.js';
import { Engine } from './engine.js';

/** A worker as the pool shows it: read it, do not change it (the pool's operations do). */
export type Worker = Readonly<WorkerRecord>;

export interface WorkerPoolOptions {
  clock?: Clock;
  events?: EventBus;
  /** Ids start after this number (to stay unique across runs on one store). */
  firstIdAfter?: number;
  /** The run this pool belongs to (a Coordinator passes its own). */
  engine?: Engine;
}

/**
 * The seed's WorkerPool: the set of workers, each a slot that runs one agent
 * session at a time. Ids (`worker-N`) come from a counter and are never
 * reused, so a new worker can never overwrite a live one. The pool's size is
 * its idle + busy workers; draining workers finish their session and then
 * retire, so they no longer count.
 *
 * The workers live in the run's one state (src/core/run/state.ts); this
 * class reads that state and sends each change through the run's reducer.
 * A pool made on its own gets a run of its own, which a ScaleManager built
 * on it then shares.
 */
export class WorkerPool {
  readonly cwd: string;
  readonly engine: Engine;

  constructor(cwd: string, options: WorkerPoolOptions = {}) {
    this.cwd = cwd;
    this.engine =
      options.engine ??
      new Engine(initialState(defaultRules(), { firstWorkerNumber: (options.firstIdAfter ?? 0) + 1 }), {
        clock: options.clock ?? realClock,
        events: options.events ?? new EventBus(),
        cwd,
      });
  }

  get events(): EventBus {
    return this.engine.events;
  }

  /** Idle + busy workers: the pool's target size. */
  get size(): number {
    return poolSize(this.pool);
  }

  get(id: string): Worker | undefined {
    return this.pool.workers.get(id);
  }

  /** Workers not yet retired (idle, busy, draining), oldest first. */
  live(): Worker[] {
    return [...this.pool.workers.values()];
  }

  idle(): Worker[] {
    return workersIn(this.pool, 'idle');
  }

  busy(): Worker[] {
    return workersIn(this.pool, 'busy');
  }

  draining(): Worker[] {
    return workersIn(this.pool, 'draining');
  }

  /** Workers that run a session: busy and draining. */
  working(): Worker[] {
    return this.live().filter((w) => w.state === 'busy' || w.state === 'draining');
  }

  add(count = 1): Worker[] {
    const first = this.pool.nextNumber;
    this.apply({ kind: 'add', count });
    return this.numbered(first);
  }

  /** An idle worker takes a session. */
  assign(workerId: string, sessionId: string): Worker {
    this.apply({ kind: 'assign', workerId, sessionId });
    return this.require(workerId);
  }

  /** A worker's session ended: busy → idle, draining → retired. */
  release(workerId: string): Worker {
    const worker = this.require(workerId);
    this.apply({ kind: 'release', workerId });
    return worker;
  }

  /** Take a worker out of the pool: idle ones retire now, busy ones after their session. */
  drain(workerId: string, reason = 'scale-down'): void {
    this.require(workerId);
    this.apply({ kind: 'drain', workerId, reason });
  }

  /** Replace a worker with a fresh one (quota reached). A busy worker drains first. */
  recycle(workerId: string): Worker {
    this.require(workerId);
    const first = this.pool.nextNumber;
    this.apply({ kind: 'recycle', workerId });
    return this.numbered(first)[0] as Worker;
  }

  /** Grow to `target` workers. Returns the workers added. */
  growTo(target: number): Worker[] {
    const first = this.pool.nextNumber;
    this.apply({ kind: 'grow', target });
    return this.numbered(first);
  }

  /**
   * Shrink to `target` workers: idle workers retire first (newest first, so
   * the pool keeps its warmest workers); if that is not enough, busy workers
   * are marked to drain. A busy worker is never stopped.
   */
  shrinkTo(target: number, reason = 'scale-down'): { retired: number; draining: number } {
    const before = { live: this.pool.workers.size, draining: this.draining().length };
    this.apply({ kind: 'shrink', target, reason });
    const draining = this.draining().length - before.draining;
    return { retired: before.live - this.pool.workers.size, draining };
  }

  private get pool() {
    return this.engine.state.pool;
  }

  private apply(op: PoolOp): void {
    this.engine.feed({ type: 'pool', op });
  }

  /** Live workers numbered from `first` on: those an operation just added. */
  private numbered(first: number): Worker[] {
    return this.live().filter((w) => Number(w.id.slice('worker-'.length)) >= first);
  }

  private require(id: string): Worker {
    const worker = this.pool.workers.get(id);
    if (!worker) throw new Error(`unknown worker ${id}`);
    return worker;
  }
}
