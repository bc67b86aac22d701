/**
 * Intake and dispatch: admit backlog issues while backpressure allows, claim
 * an issue for each idle worker under quota, wake up when a retry backoff
 * ends, and notice when the run is over.
 */
import { admissionRoom, backpressureFlips, nextBackpressure } from '../backpressure.js';
import { hasExceededQuota } from '../quota.js';
import { endsTheRun, mayStart } from './holds.js';
import type { Out } from './pool.js';
import type { QueueView, RunState } from './state.js';

/** Issues of the run not yet final: waiting at the source, queued, running or merging. */
export function workLeft(view: QueueView): number {
  const c = view.counts;
  return c.backlog + c.queued + c.running + c.merging;
}

/** The queue depth changed: update backpressure (an activation is counted on each off → on). */
export function setQueueDepth(s: RunState, depth: number, now: number, out: Out): void {
  s.queueDepth = depth;
  if (!backpressureFlips(s.backpressure, depth, s.rules.scale)) return;
  const next = nextBackpressure(s.backpressure, depth, s.rules.scale);
  s.backpressure = { active: next.active, activations: next.activations };
  const active = next.changed === 'on';
  out.push({ type: 'emit', name: active ? 'backpressure:on' : 'backpressure:off', payload: { at: now, queueDepth: depth } });
  out.push({ type: 'write', write: { op: 'backpressure', at: now, active, queueDepth: depth } });
}

/** A fresh view of the queue from the store. */
export function takeView(s: RunState, view: QueueView): void {
  s.queue = view;
}

/**
 * Ask the store to admit backlog issues while backpressure is off: up to
 * the room below maxQueueDepth + 1. Returns whether an admission is now
 * with the store (claims wait for it, so the admitted issues are there to
 * be claimed: admit, then fill).
 */
export function admit(s: RunState, now: number, out: Out): boolean {
  if (s.admitting) return true;
  setQueueDepth(s, s.queue.counts.queued, now, out);
  if (s.queue.counts.backlog === 0 || s.stopping) return false;
  const room = admissionRoom(s.queue.counts.queued, s.backpressure.active, s.rules.scale);
  if (room === 0) return false;
  s.admitting = true;
  out.push({ type: 'admit', limit: room, now });
  return true;
}

/** The store's answer to an admission. */
export function admitted(s: RunState, count: number, view: QueueView, now: number, out: Out): void {
  s.admitting = false;
  takeView(s, view);
  if (count === 0) return;
  s.drained = false;
  setQueueDepth(s, view.counts.queued, now, out);
  out.push({ type: 'emit', name: 'issue:admitted', payload: { at: now, count, queueDepth: view.counts.queued } });
}

/** The first idle worker under quota with no claim in flight (oldest first), or undefined. */
function freeWorker(s: RunState) {
  const quota = s.rules.scale;
  for (const w of s.pool.workers.values()) if (w.state === 'idle' && !w.claiming && !hasExceededQuota(w.sessionsRun, quota)) return w;
  return undefined;
}

/**
 * Claim an issue for every free worker, as long as the queue may have one
 * for it, no hold stops the fleet (a usage-limit hold's probe excepted: one
 * session), and the concurrency the provider allows is not reached.
 */
function fill(s: RunState, now: number, out: Out): void {
  if (s.drained) return;
  while (s.queue.counts.queued - s.claimsInFlight > 0) {
    const start = mayStart(s);
    if (!start.ok || (start.probe && s.claimsInFlight > 0)) return;
    const limited = s.concurrency.limit < s.rules.scale.maxWorkers;
    if (limited && s.sessions.size + s.claimsInFlight >= s.concurrency.limit) return;
    const worker = freeWorker(s);
    if (!worker) return;
    worker.claiming = true;
    s.claimsInFlight++;
    out.push({ type: 'claim', workerId: worker.id, now });
  }
}

/**
 * Queued issues waiting out a retry backoff: wake up when the first becomes
 * due. One that is already due gets a wake-up too: a real timer may fire a
 * little before the wall clock reaches its time, so "not ready" a moment ago
 * can be "due" now, and without a timer nothing would ever dispatch it.
 */
function scheduleRetryWake(s: RunState, now: number, out: Out): void {
  if (s.stopping || !freeWorker(s)) return;
  const at = s.queue.nextRetryAt;
  if (at === null) return;
  if (s.retryWakeAt !== null && s.retryWakeAt <= at) return;
  s.retryWakeAt = at;
  out.push({ type: 'set-timer', key: 'retry', at: now + Math.max(1, at - now) });
}

/** The retry wake-up fired: the queue may have due issues now. */
export function retryWoke(s: RunState, now: number, out: Out): void {
  s.retryWakeAt = null;
  s.drained = false;
  dispatch(s, now, out);
}

/**
 * Admit, fill idle workers, schedule the next retry wake-up, and finish the
 * run when nothing is left. Called after everything that may free a worker
 * or change the queue; harmless when nothing changed.
 */
export function dispatch(s: RunState, now: number, out: Out): void {
  if (!s.rules.dispatches) return;
  // Before run(): intake only, so the first health check sees the queue.
  if (s.phase === 'ready') admit(s, now, out);
  if (s.phase !== 'running' || admit(s, now, out)) return;
  if (!s.stopping) fill(s, now, out);
  scheduleRetryWake(s, now, out);
  finishIfDone(s, out);
}

function finishIfDone(s: RunState, out: Out): void {
  if (s.sessions.size > 0 || s.claimsInFlight > 0 || s.admitting || s.importsInFlight > 0) return;
  // A hold that no waiting can end (a budget, credentials, a circuit) ends the run once nothing runs.
  let held = false;
  for (const h of s.holds.values()) if (endsTheRun(s, h)) held = true;
  if (!s.stopping && !held && (workLeft(s.queue) > 0 || s.intakeHolds > 0)) return;
  s.phase = 'finished';
  s.checking = false;
  out.push({ type: 'cancel-timer', key: 'health' });
  if (s.retryWakeAt !== null) out.push({ type: 'cancel-timer', key: 'retry' });
  s.retryWakeAt = null;
  out.push({ type: 'finish' });
}
