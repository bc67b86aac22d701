import { EventBus } from '../core/events.js';
import type { WorkerState } from '../core/states.js';
import { realClock, type Clock } from './clock.js';

export interface Worker {
  readonly id: string;
  state: WorkerState;
  /** Sessions this worker has started (its quota count). */
  sessionsRun: number;
  readonly createdAt: number;
  /** The session it runs, when busy or draining. */
  sessionId: string | null;
}

export interface WorkerPoolOptions {
  clock?: Clock;
  events?: EventBus;
  /** Ids start after this number (to stay unique across runs on one store). */
  firstIdAfter?: number;
}

/**
 * The set of workers. A worker is a slot that runs one agent session at a
 * time. Ids (`worker-N`) come from a counter and are never reused, so a new
 * worker can never overwrite a live one.
 *
 * The pool's size is its idle + busy workers; draining workers finish their
 * session and then retire, so they no longer count.
 */
export class WorkerPool {
  readonly cwd: string;
  readonly events: EventBus;
  private readonly clock: Clock;
  private nextNumber: number;
  private readonly workers = new Map<string, Worker>();

  constructor(cwd: string, options: WorkerPoolOptions = {}) {
    this.cwd = cwd;
    this.clock = options.clock ?? realClock;
    this.events = options.events ?? new EventBus();
    this.nextNumber = (options.firstIdAfter ?? 0) + 1;
  }

  /** Idle + busy workers: the pool's target size. */
  get size(): number {
    let n = 0;
    for (const w of this.workers.values()) if (w.state === 'idle' || w.state === 'busy') n++;
    return n;
  }

  get(id: string): Worker | undefined {
    return this.workers.get(id);
  }

  /** Workers not yet retired (idle, busy, draining), oldest first. */
  live(): Worker[] {
    return [...this.workers.values()];
  }

  idle(): Worker[] {
    return this.inState('idle');
  }

  busy(): Worker[] {
    return this.inState('busy');
  }

  draining(): Worker[] {
    return this.inState('draining');
  }

  /** Workers that run a session: busy and draining. */
  working(): Worker[] {
    return [...this.workers.values()].filter((w) => w.state === 'busy' || w.state === 'draining');
  }

  add(count = 1): Worker[] {
    const added: Worker[] = [];
    for (let i = 0; i < count; i++) {
      const worker: Worker = {
        id: `worker-${this.nextNumber++}`,
        state: 'idle',
        sessionsRun: 0,
        createdAt: this.clock.now(),
        sessionId: null,
      };
      this.workers.set(worker.id, worker);
      added.push(worker);
      this.events.emit('pool:added', { workerId: worker.id, at: worker.createdAt });
    }
    return added;
  }

  /** An idle worker takes a session. */
  assign(workerId: string, sessionId: string): Worker {
    const worker = this.require(workerId);
    if (worker.state !== 'idle') throw new Error(`${workerId} is ${worker.state}, not idle: it cannot take session ${sessionId}`);
    worker.state = 'busy';
    worker.sessionId = sessionId;
    worker.sessionsRun++;
    return worker;
  }

  /** A worker's session ended: busy → idle, draining → retired. */
  release(workerId: string): Worker {
    const worker = this.require(workerId);
    worker.sessionId = null;
    if (worker.state === 'draining') this.retireNow(worker, 'drained after its session');
    else if (worker.state === 'busy') worker.state = 'idle';
    return worker;
  }

  /** Take a worker out of the pool: idle ones retire now, busy ones after their session. */
  drain(workerId: string, reason = 'scale-down'): void {
    const worker = this.require(workerId);
    if (worker.state === 'idle') this.retireNow(worker, reason);
    else if (worker.state === 'busy') {
      worker.state = 'draining';
      this.events.emit('pool:draining', { workerId, at: this.clock.now(), reason });
    }
  }

  /** Replace a worker with a fresh one (quota reached). A busy worker drains first. */
  recycle(workerId: string): Worker {
    const old = this.require(workerId);
    const sessionsRun = old.sessionsRun;
    this.drain(workerId, 'recycled: session quota reached');
    const [fresh] = this.add(1);
    this.events.emit('pool:recycled', { oldWorkerId: workerId, newWorkerId: fresh!.id, at: this.clock.now(), sessionsRun });
    return fresh!;
  }

  /** Grow to `target` workers. Returns the workers added. */
  growTo(target: number): Worker[] {
    return this.add(Math.max(0, target - this.size));
  }

  /**
   * Shrink to `target` workers: idle workers retire first (newest first, so
   * the pool keeps its warmest workers); if that is not enough, busy workers
   * are marked to drain. A busy worker is never stopped.
   */
  shrinkTo(target: number, reason = 'scale-down'): { retired: number; draining: number } {
    let excess = this.size - target;
    let retired = 0;
    let draining = 0;
    for (const worker of this.idle().reverse()) {
      if (excess <= 0) break;
      this.drain(worker.id, reason);
      retired++;
      excess--;
    }
    for (const worker of this.busy().reverse()) {
      if (excess <= 0) break;
      this.drain(worker.id, reason);
      draining++;
      excess--;
    }
    return { retired, draining };
  }

  private retireNow(worker: Worker, reason: string): void {
    worker.state = 'retired';
    // Retired workers leave memory at once; their history is in the store.
    this.workers.delete(worker.id);
    this.events.emit('pool:retired', { workerId: worker.id, at: this.clock.now(), reason, sessionsRun: worker.sessionsRun, createdAt: worker.createdAt });
  }

  private inState(state: WorkerState): Worker[] {
    const out: Worker[] = [];
    for (const w of this.workers.values()) if (w.state === state) out.push(w);
    return out;
  }

  private require(id: string): Worker {
    const worker = this.workers.get(id);
    if (!worker) throw new Error(`unknown worker ${id}`);
    return worker;
  }
}
