/**
 * The health check, every healthCheckIntervalMs: find stalled sessions
 * (stopping the ones this run dispatched), judge health over its window,
 * and apply the scaling policy. Its metrics are published once the
 * dispatch the scaling caused has settled.
 */
import { hasHostLimits, holdGrowthForHost, hostPressure } from '../host.js';
import { computeMetricSet, healthOf, tallyFigures } from '../metric-set.js';
import type { ScaleMetrics } from '../metrics-types.js';
import type { ScaleDecision } from '../scale.js';
import { isStalled } from '../stalls.js';
import { tallyStall } from '../tally.js';
import { relaxConcurrency, writeActivity } from './agent.js';
import { dispatch } from './dispatch.js';
import { growPool, poolSize, shrinkPool, workersIn, type Out } from './pool.js';
import type { RunEvent } from './protocol.js';
import { stopSession } from './sessions.js';
import type { RunState } from './state.js';

/**
 * The events before which the interpreter samples the host (a `host`
 * event): the ones that run a health check, and only when a host limit is
 * set, so a run without one never reads the machine.
 */
export function wantsHostSample(s: RunState, e: RunEvent): boolean {
  if (!hasHostLimits(s.rules.host)) return false;
  return e.type === 'check' || e.type === 'start-checks' || (e.type === 'timer' && e.key === 'health');
}

/** The scale manager starts: provision minWorkers (not a scale operation: no cooldown), check once, arm the timer. */
export function startChecks(s: RunState, now: number, out: Out): void {
  if (s.checking) return;
  s.checking = true;
  // A host already over its limits gets no workers yet; the check below says why, and a later one tops the pool up.
  if (hostPressure(s.host, s.rules.host) === null) growPool(s.pool, s.rules.scale.minWorkers, now, out);
  runCheck(s, now, out);
  armCheck(s, now, out);
}

export function stopChecks(s: RunState, out: Out): void {
  if (!s.checking) return;
  s.checking = false;
  out.push({ type: 'cancel-timer', key: 'health' });
}

/** The check timer fired: re-arm it first, so it keeps its place among timers due at the same time. */
export function checkTimerFired(s: RunState, now: number, out: Out): void {
  if (!s.checking) return;
  armCheck(s, now, out);
  runCheck(s, now, out);
}

function armCheck(s: RunState, now: number, out: Out): void {
  out.push({ type: 'set-timer', key: 'health', at: now + Math.max(1, s.rules.scale.healthCheckIntervalMs) });
}

/** One health check. A policy that throws is reported as `health:error`; the check goes on without scaling. */
export function runCheck(s: RunState, now: number, out: Out): void {
  for (const session of s.sessions.values()) {
    writeActivity(s, session, now, true, out);
    if (session.stalledAt !== null || !isStalled(session, s.rules.scale.workerStallTimeoutMs, now)) continue;
    session.stalledAt = now;
    tallyStall(s.tally, now);
    out.push({ type: 'emit', name: 'session:stalled', payload: { at: now, sessionId: session.id, workerId: session.workerId, lastProgressAt: session.lastProgressAt } });
    if (!session.issue) continue;
    out.push({ type: 'write', write: { op: 'stalled', sessionId: session.id, at: now } });
    stopSession(s, session.id, 'stalled', now, out);
  }
  const health = healthOf(tallyFigures(s.tally, now).healthWindow);
  if (health !== s.health) {
    out.push({ type: 'emit', name: 'health:changed', payload: { at: now, from: s.health, to: health } });
    s.health = health;
  }
  relaxConcurrency(s, now, out);
  try {
    s.lastDecision = applyScaling(s, now, out);
  } catch (error) {
    s.lastCheckError = error;
    out.push({ type: 'emit', name: 'health:error', payload: { at: now, error } });
  }
  dispatch(s, now, out);
  out.push({ type: 'then', event: { type: 'checked' } });
}

function applyScaling(s: RunState, now: number, out: Out): ScaleDecision {
  // While the provider rate-limits, the pool may not outgrow the concurrency it allows.
  const scale = s.concurrency.limit < s.rules.scale.maxWorkers ? { ...s.rules.scale, maxWorkers: s.concurrency.limit, minWorkers: Math.min(s.rules.scale.minWorkers, s.concurrency.limit) } : s.rules.scale;
  const wanted = s.rules.policy(
    { workers: poolSize(s.pool), busy: workersIn(s.pool, 'busy').length, queueDepth: s.queueDepth, now, lastScaleAt: s.lastScaleAt },
    scale,
  );
  const decision = holdGrowthForHost(wanted, hostPressure(s.host, s.rules.host));
  noteHostHold(s, wanted, decision, now, out);
  if (decision.direction === 'hold' || decision.target === decision.from) return decision;
  if (decision.direction === 'up') growPool(s.pool, decision.target, now, out);
  else shrinkPool(s.pool, decision.target, `scale-down: ${decision.reason}`, now, out);
  s.lastScaleAt = now;
  s.scaleOperations++;
  const direction = decision.direction;
  out.push({ type: 'emit', name: direction === 'up' ? 'scale:up' : 'scale:down', payload: { at: now, from: decision.from, to: decision.target, reason: decision.reason } });
  out.push({ type: 'write', write: { op: 'scale', at: now, direction, from: decision.from, to: decision.target, reason: decision.reason } });
  return decision;
}

/**
 * Announce the host holding growth back once per spell (`scale:held`, with
 * the figures of the check that began it), and the spell's end
 * (`scale:released`) at the first check that finds the host within its
 * limits: one line each, not one per check. A check over the limits that
 * did not want to grow neither begins nor ends a spell.
 */
function noteHostHold(s: RunState, wanted: ScaleDecision, decision: ScaleDecision, now: number, out: Out): void {
  const held = wanted !== decision;
  if (held && s.hostHold === null) {
    s.hostHold = decision.reason;
    out.push({ type: 'emit', name: 'scale:held', payload: { at: now, workers: decision.from, reason: decision.reason } });
  } else if (!held && s.hostHold !== null && hostPressure(s.host, s.rules.host) === null) {
    s.hostHold = null;
    out.push({ type: 'emit', name: 'scale:released', payload: { at: now, workers: decision.from } });
  }
}

/** The seed's metric set of the live run at `now`. `mergeDepth` comes from the merge queue's probe when there is one. */
export function liveMetrics(s: RunState, now: number, mergeDepth = s.queue.mergeDepth): ScaleMetrics {
  let idle = 0;
  let busy = 0;
  let draining = 0;
  for (const w of s.pool.workers.values()) {
    if (w.state === 'idle') idle++;
    else if (w.state === 'busy') busy++;
    else draining++;
  }
  let stalled = 0;
  for (const session of s.sessions.values()) if (session.stalledAt !== null) stalled++;
  const figures = tallyFigures(s.tally, now);
  return computeMetricSet({
    timestamp: now,
    workers: { idle, busy, draining, stalled },
    queueDepth: s.queueDepth,
    mergeQueueDepth: mergeDepth,
    sessions: figures.sessions,
    healthWindow: figures.healthWindow,
    backpressure: s.backpressure,
    scaleOperations: s.scaleOperations,
    workerStalls: s.tally.stalls,
  });
}
