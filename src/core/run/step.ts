/**
 * The run as one reducer: `step(state, event, now) → { state, commands }`.
 * Pure in the sans-I/O sense: the result depends only on its arguments, it
 * touches no process, file, database or clock, and everything it wants done
 * is a command for the interpreter (src/runtime/engine.ts), whose answers
 * come back as events. For speed at hundreds of thousands of events a
 * second, it updates the state it is given in place and returns it: whoever
 * holds a state hands it to step and keeps only what step returns.
 */
import { assignWorker, drainWorker, growPool, addWorkers, recycleWorker, releaseWorker, shrinkPool, type Out } from './pool.js';
import { checkTimerFired, runCheck, startChecks, stopChecks } from './check.js';
import { admitted, dispatch, retryWoke, setQueueDepth, takeView } from './dispatch.js';
import type { Command, PoolOp, RunEvent } from './protocol.js';
import { agentSaid, checkBudgets } from './agent.js';
import { hold, holdTimerFired, liftHold } from './holds.js';
import { cancelSession, claimed, endWorkerSession, exited, handedOff, prepared, progressed, spawned, stopSession } from './sessions.js';
import type { RunState } from './state.js';

export interface StepResult {
  state: RunState;
  commands: Command[];
}

/** `into`: where to append the commands (an interpreter reuses one array); a fresh one by default. */
export function step(state: RunState, event: RunEvent, now: number, into: Command[] = []): StepResult {
  stepInto(state, event, now, into);
  return { state, commands: into };
}

/** `step` without its result object, for an interpreter that keeps the state and the command array itself. */
export function stepInto(state: RunState, event: RunEvent, now: number, out: Command[]): void {
  if (state.phase === 'finished' && !AFTER_FINISH.has(event.type)) return;
  apply(state, event, now, out);
}

/** Events that still mean something once the run has finished: the scale manager's own use, answers in flight. */
const AFTER_FINISH = new Set<RunEvent['type']>(['pool', 'queue-depth', 'hook-start', 'hook-progress', 'hook-end', 'start-checks', 'stop-checks', 'check', 'checked', 'spawned', 'progress', 'host']);

function apply(s: RunState, e: RunEvent, now: number, out: Out): void {
  switch (e.type) {
    // The hot events first: the switch compares in order.
    case 'progress':
      return progressed(s, e.sessionId, e.at, out);
    case 'agent':
      return agentSaid(s, e.sessionId, e.events, e.at, out);
    case 'exited':
      return exited(s, e.sessionId, e.exit, now, out);
    case 'claimed':
      return claimed(s, e.workerId, e.sessionId, e.issue, e.view, e.at, out);
    case 'queue':
      takeView(s, e.view);
      s.drained = false;
      return dispatch(s, now, out);
    case 'imported':
      s.importsInFlight = Math.max(0, s.importsInFlight - 1);
      takeView(s, e.view);
      s.drained = false;
      return dispatch(s, now, out);
    case 'timer':
      if (e.key === 'health') return checkTimerFired(s, now, out);
      if (e.key === 'retry') return retryWoke(s, now, out);
      if (e.key === 'hold') {
        holdTimerFired(s);
        return dispatch(s, now, out);
      }
      return stopSession(s, e.key.slice('timeout:'.length), 'timeout', now, out);
    case 'spawned':
      return spawned(s, e.sessionId, e.pid, e.pgid, out);
    case 'admitted':
      admitted(s, e.count, e.view, now, out);
      return dispatch(s, now, out);
    case 'checked':
      out.push({ type: 'snapshot', at: now });
      return;
    case 'prepared':
      return prepared(s, e.sessionId, e.cwd, e.branch, now, out);
    case 'prepare-failed':
      return exited(s, e.sessionId, { exitCode: null, signal: null, error: `could not prepare the worktree: ${e.error}` }, now, out);
    case 'handed-off':
      return handedOff(s, e.sessionId, e.status, e.reason, e.head, now, out);
    case 'hook-progress':
      return progressed(s, e.sessionId, e.at, out);
    case 'hook-start':
      assignWorker(s.pool, e.workerId, e.sessionId);
      s.sessions.set(e.sessionId, hookSession(e.workerId, e.sessionId, e.at));
      return;
    case 'hook-end':
      s.sessions.delete(e.sessionId);
      return endWorkerSession(s, e.workerId, e.outcome, e.durationMs, e.at, out);
    case 'queue-depth':
      return setQueueDepth(s, e.depth, now, out);
    case 'issues':
      s.importsInFlight++;
      out.push({ type: 'write', write: { op: 'import', issues: e.issues, now } });
      return;
    case 'run':
      if (s.phase === 'ready') s.phase = 'running';
      // The store may have changed since initialize() (failed issues retried): dispatch from a fresh view.
      if (s.rules.dispatches) out.push({ type: 'write', write: { op: 'refresh', now } });
      return;
    case 'initialized':
      s.phase = 'ready';
      takeView(s, e.view);
      // A state that has already spent its cap holds before the first session, not after one more wave.
      checkBudgets(s, null, now, out);
      return dispatch(s, now, out);
    case 'hold-intake':
      s.intakeHolds++;
      return;
    case 'release-intake':
      s.intakeHolds = Math.max(0, s.intakeHolds - 1);
      return dispatch(s, now, out);
    case 'stop':
      return stop(s, e.force, now, out, e.quiet === true);
    case 'start-checks':
      return startChecks(s, now, out);
    case 'stop-checks':
      return stopChecks(s, out);
    case 'check':
      return runCheck(s, now, out);
    case 'pool':
      return poolOp(s, e.op, now, out);
    case 'merge-moved':
      out.push({ type: 'write', write: { op: 'refresh', now } });
      return;
    case 'pause':
      hold(s, 'paused', e.reason, 'resume dispatch (the dashboard, or lift the hold)', null, now, out);
      return;
    case 'lift-hold':
      liftHold(s, e.kind, e.by, now, out);
      return dispatch(s, now, out);
    case 'tracker-down':
      hold(s, 'tracker', e.reason, e.fix, null, now, out);
      return;
    case 'tracker-up':
      liftHold(s, 'tracker', 'the tracker answered', now, out);
      return dispatch(s, now, out);
    case 'host':
      s.host = e.sample;
      return;
    case 'cancel-session':
      return cancelSession(s, e.sessionId, e.by, now, out);
    case 'store-failed':
      return storeFailed(s, e.operation, e.message, now, out);

  }
}

/** Stop starting sessions; a second stop (or force) cancels the running ones. */
function stop(s: RunState, force: boolean, now: number, out: Out, quiet = false): void {
  if (s.stopping && !force && !s.forced) force = true;
  s.stopping = true;
  if (!quiet) out.push({ type: 'emit', name: 'run:stopping', payload: { at: now, force } });
  if (force && !s.forced) {
    s.forced = true;
    for (const id of [...s.sessions.keys()]) stopSession(s, id, 'cancelled', now, out);
  }
  dispatch(s, now, out);
}

/** The store cannot record the run: start nothing more, cancel what runs, and end with the reason. */
function storeFailed(s: RunState, operation: string, message: string, now: number, out: Out): void {
  if (s.failure === null) {
    s.failure = `could not ${operation}: ${message}`;
    out.push({ type: 'emit', name: 'run:failed', payload: { at: now, reason: s.failure } });
  }
  s.admitting = false;
  // The call that failed is over: nothing waits for its answer.
  if (operation === 'claim') s.claimsInFlight = Math.max(0, s.claimsInFlight - 1);
  if (operation === 'import issues') s.importsInFlight = Math.max(0, s.importsInFlight - 1);
  // Not an interrupt: run:failed says why the sessions are being stopped.
  stop(s, true, now, out, true);
}

function poolOp(s: RunState, op: PoolOp, now: number, out: Out): void {
  switch (op.kind) {
    case 'add':
      addWorkers(s.pool, op.count, now, out);
      break;
    case 'assign':
      assignWorker(s.pool, op.workerId, op.sessionId);
      break;
    case 'release':
      releaseWorker(s.pool, op.workerId, now, out);
      break;
    case 'drain':
      drainWorker(s.pool, op.workerId, op.reason, now, out);
      break;
    case 'recycle':
      recycleWorker(s.pool, op.workerId, now, out);
      break;
    case 'grow':
      growPool(s.pool, op.target, now, out);
      break;
    case 'shrink':
      shrinkPool(s.pool, op.target, op.reason, now, out);
      break;
  }
  dispatch(s, now, out);
}

function hookSession(workerId: string, sessionId: string, at: number) {
  return {
    id: sessionId,
    workerId,
    startedAt: at,
    lastProgressAt: at,
    stalledAt: null,
    issue: null,
    attempt: 0,
    phase: 'running' as const,
    persistedProgressAt: at,
    killReason: null,
    branch: null,
    exit: null,
    agent: null,
    resumedFrom: null,
    probe: false,
    budgetNote: null,
  };
}
