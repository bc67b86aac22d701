/**
 * The worker pool's rules. A worker is a slot that runs one agent session
 * at a time. Ids (`worker-N`) come from a counter and are never reused, so
 * a new worker can never overwrite a live one. The pool's size is its idle
 * + busy workers; draining workers finish their session and then retire.
 * Each change appends what it announces (and records) to `out`.
 */
import { assertTransition } from '../machines.js';
import type { Command } from './protocol.js';
import type { PoolState, WorkerRecord } from './state.js';

export type Out = Command[];

/** Idle + busy workers: the pool's target size. */
export function poolSize(pool: PoolState): number {
  let n = 0;
  for (const w of pool.workers.values()) if (w.state === 'idle' || w.state === 'busy') n++;
  return n;
}

export function workersIn(pool: PoolState, state: WorkerRecord['state']): WorkerRecord[] {
  const out: WorkerRecord[] = [];
  for (const w of pool.workers.values()) if (w.state === state) out.push(w);
  return out;
}

export function addWorkers(pool: PoolState, count: number, now: number, out: Out): WorkerRecord[] {
  const added: WorkerRecord[] = [];
  for (let i = 0; i < count; i++) {
    const worker: WorkerRecord = { id: `worker-${pool.nextNumber++}`, state: 'idle', sessionsRun: 0, createdAt: now, sessionId: null, claiming: false };
    pool.workers.set(worker.id, worker);
    added.push(worker);
    out.push({ type: 'emit', name: 'pool:added', payload: { workerId: worker.id, at: now } });
    out.push({ type: 'write', write: { op: 'worker', id: worker.id, state: 'idle', sessionsRun: 0, createdAt: now, retiredAt: null, retireReason: null } });
  }
  return added;
}

/** An idle worker takes a session: its quota count goes up. */
export function assignWorker(pool: PoolState, workerId: string, sessionId: string): WorkerRecord {
  const worker = requireWorker(pool, workerId);
  assertTransition('worker', workerId, worker.state, 'busy');
  worker.state = 'busy';
  worker.sessionId = sessionId;
  worker.claiming = false;
  worker.sessionsRun++;
  return worker;
}

/** A worker's session ended: busy → idle, draining → retired. */
export function releaseWorker(pool: PoolState, workerId: string, now: number, out: Out): WorkerRecord {
  const worker = requireWorker(pool, workerId);
  worker.sessionId = null;
  if (worker.state === 'draining') retire(pool, worker, 'drained after its session', now, out);
  else if (worker.state === 'busy') worker.state = 'idle';
  return worker;
}

/** Take a worker out of the pool: an idle one retires now, a busy one after its session. */
export function drainWorker(pool: PoolState, workerId: string, reason: string, now: number, out: Out): void {
  const worker = requireWorker(pool, workerId);
  if (worker.state === 'idle') retire(pool, worker, reason, now, out);
  else if (worker.state === 'busy') {
    worker.state = 'draining';
    out.push({ type: 'emit', name: 'pool:draining', payload: { workerId, at: now, reason } });
    // Recorded, so a reader of the store (the dashboard) can tell draining workers from busy ones.
    out.push({ type: 'write', write: { op: 'worker', id: workerId, state: 'draining', sessionsRun: worker.sessionsRun, createdAt: worker.createdAt, retiredAt: null, retireReason: reason } });
  }
}

/** Replace a worker with a fresh one (its quota is reached). A busy worker drains first. */
export function recycleWorker(pool: PoolState, workerId: string, now: number, out: Out): WorkerRecord {
  const sessionsRun = requireWorker(pool, workerId).sessionsRun;
  drainWorker(pool, workerId, 'recycled: session quota reached', now, out);
  const [fresh] = addWorkers(pool, 1, now, out) as [WorkerRecord];
  out.push({ type: 'emit', name: 'pool:recycled', payload: { oldWorkerId: workerId, newWorkerId: fresh.id, at: now, sessionsRun } });
  return fresh;
}

export function growPool(pool: PoolState, target: number, now: number, out: Out): WorkerRecord[] {
  return addWorkers(pool, Math.max(0, target - poolSize(pool)), now, out);
}

/**
 * Shrink to `target`: idle workers retire first (newest first, so the pool
 * keeps its warmest workers); if that is not enough, busy workers are marked
 * to drain. A busy worker is never stopped. A worker whose claim is with the
 * store counts as busy: its session may be starting.
 */
export function shrinkPool(pool: PoolState, target: number, reason: string, now: number, out: Out): { retired: number; draining: number } {
  let excess = poolSize(pool) - target;
  let retired = 0;
  let draining = 0;
  for (const worker of workersIn(pool, 'idle').reverse()) {
    if (excess <= 0) break;
    if (worker.claiming) continue;
    drainWorker(pool, worker.id, reason, now, out);
    retired++;
    excess--;
  }
  for (const worker of workersIn(pool, 'busy').reverse()) {
    if (excess <= 0) break;
    drainWorker(pool, worker.id, reason, now, out);
    draining++;
    excess--;
  }
  return { retired, draining };
}

function retire(pool: PoolState, worker: WorkerRecord, reason: string, now: number, out: Out): void {
  assertTransition('worker', worker.id, worker.state, 'retired');
  pool.workers.delete(worker.id);
  out.push({ type: 'emit', name: 'pool:retired', payload: { workerId: worker.id, at: now, reason, sessionsRun: worker.sessionsRun, createdAt: worker.createdAt } });
  out.push({
    type: 'write',
    write: { op: 'worker', id: worker.id, state: 'retired', sessionsRun: worker.sessionsRun, createdAt: worker.createdAt, retiredAt: now, retireReason: reason },
  });
}

export function requireWorker(pool: PoolState, id: string): WorkerRecord {
  const worker = pool.workers.get(id);
  if (!worker) throw new Error(`unknown worker ${id}`);
  return worker;
}
