/**
 * A dispatched session from its claim to its end: start it on the claimed
 * issue, follow its progress, stop it when asked, and apply its outcome
 * (done, retry with backoff, failed, handed to the merge queue).
 */
import type { SessionExit } from '../../agents/types.js';
import type { IssueRow } from '../../store/types.js';
import { hasExceededQuota } from '../quota.js';
import { decideAfterSession } from '../retry.js';
import type { IssueStatus, SessionOutcome } from '../states.js';
import { tallySessionEnd } from '../tally.js';
import { dispatch, takeView } from './dispatch.js';
import { assignWorker, recycleWorker, releaseWorker, type Out } from './pool.js';
import type { KillReason, QueueView, RunState, SessionRecord } from './state.js';

/** The recorded reason of a session the harness stopped. */
export function killReasonText(reason: KillReason, rules: { workerStallTimeoutMs: number; sessionTimeoutMs: number }): string {
  switch (reason) {
    case 'stalled':
      return `no progress for more than ${rules.workerStallTimeoutMs} ms`;
    case 'timeout':
      return `ran longer than sessionTimeoutMs (${rules.sessionTimeoutMs} ms)`;
    case 'cancelled':
      return 'cancelled by a second interrupt';
  }
}

/** The recorded reason of a session that ended on its own. */
export function describeExit(exit: SessionExit): string {
  if (exit.error) return exit.error;
  if (exit.signal) return `killed by ${exit.signal}`;
  return exit.exitCode === 0 ? 'exit code 0' : `exit code ${exit.exitCode}`;
}

/** The outcome of an exit: the harness's own reason to stop it, else the exit code. */
export function classifyExit(killReason: KillReason | null, exit: SessionExit): SessionOutcome {
  if (killReason) return killReason;
  return exit.exitCode === 0 && !exit.error ? 'success' : 'failure';
}

/** The store's answer to a claim: start the session on `issue`, or note that nothing was ready. */
export function claimed(s: RunState, workerId: string, sessionId: string, issue: IssueRow | null, view: QueueView, now: number, out: Out): void {
  s.claimsInFlight--;
  takeView(s, view);
  const worker = s.pool.workers.get(workerId);
  if (worker) worker.claiming = false;
  if (!issue) {
    s.drained = true;
    dispatch(s, now, out);
    return;
  }
  assignWorker(s.pool, workerId, sessionId);
  const session: SessionRecord = {
    id: sessionId,
    workerId,
    startedAt: now,
    lastProgressAt: now,
    stalledAt: null,
    issue,
    // Numbered after the attempts spent before a retry, so an issue's attempt numbers keep growing.
    attempt: issue.priorAttempts + issue.attempts,
    phase: s.rules.workspaces ? 'preparing' : 'running',
    persistedProgressAt: now,
    killReason: null,
    branch: null,
    exit: null,
  };
  s.sessions.set(sessionId, session);
  out.push({ type: 'emit', name: 'session:started', payload: { at: now, sessionId, issueId: issue.id, workerId, attempt: session.attempt } });
  if (s.forced) {
    // Claimed while a forced stop was on its way: give it back unstarted.
    session.killReason = 'cancelled';
    exited(s, sessionId, { exitCode: null, signal: null }, now, out);
    return;
  }
  out.push({ type: 'set-timer', key: `timeout:${sessionId}`, at: now + s.rules.sessionTimeoutMs });
  if (s.rules.workspaces) out.push({ type: 'prepare', sessionId, issueId: issue.id });
  else out.push({ type: 'spawn', sessionId, workerId, attempt: session.attempt, issue, cwd: null });
  dispatch(s, now, out);
}

/** The workspace is ready: start the agent in it (unless the session was stopped meanwhile). */
export function prepared(s: RunState, sessionId: string, cwd: string, branch: string, now: number, out: Out): void {
  const session = s.sessions.get(sessionId);
  if (!session || session.phase !== 'preparing' || !session.issue) return;
  session.branch = branch;
  session.phase = 'running';
  if (session.killReason) {
    exited(s, sessionId, { exitCode: null, signal: null }, now, out);
    return;
  }
  out.push({ type: 'spawn', sessionId, workerId: session.workerId, attempt: session.attempt, issue: session.issue, cwd });
}

export function spawned(s: RunState, sessionId: string, pid: number, pgid: number, out: Out): void {
  if (s.sessions.get(sessionId)?.phase === 'running') out.push({ type: 'write', write: { op: 'process', sessionId, pid, pgid } });
}

/** Output or a heartbeat: the session is working. Its time is written at most every progressPersistMs. */
export function progressed(s: RunState, sessionId: string, at: number, out: Out): void {
  const session = s.sessions.get(sessionId);
  if (!session) return;
  if (at > session.lastProgressAt) session.lastProgressAt = at;
  if (!session.issue || session.phase !== 'running') return;
  if (at - session.persistedProgressAt >= s.rules.progressPersistMs) {
    session.persistedProgressAt = at;
    out.push({ type: 'write', write: { op: 'touch', sessionId, at } });
  }
}

/** Stop a session for `reason`; its exit follows. A cancel overrides an earlier reason. */
export function stopSession(s: RunState, sessionId: string, reason: KillReason, now: number, out: Out): void {
  const session = s.sessions.get(sessionId);
  if (!session || !session.issue || session.phase === 'handing-off') return;
  if (session.killReason === null || reason === 'cancelled') session.killReason = reason;
  if (reason === 'timeout') {
    out.push({ type: 'emit', name: 'session:timeout', payload: { at: now, sessionId, workerId: session.workerId, startedAt: session.startedAt } });
  }
  if (session.phase === 'running') out.push({ type: 'kill', sessionId });
}

/** The session's process ended (or never started). */
export function exited(s: RunState, sessionId: string, exit: SessionExit, now: number, out: Out): void {
  const session = s.sessions.get(sessionId);
  if (!session || !session.issue || session.phase === 'handing-off') return;
  out.push({ type: 'cancel-timer', key: `timeout:${sessionId}` });
  const outcome = classifyExit(session.killReason, exit);
  session.exit = { at: now, exitCode: exit.exitCode, signal: exit.signal, error: exit.error ?? null };
  if (outcome === 'success' && s.rules.merges && session.branch) {
    session.phase = 'handing-off';
    out.push({ type: 'hand-off', sessionId, issue: session.issue, branch: session.branch });
    return;
  }
  complete(s, session, outcome, null, now, out);
}

/** The merge queue took the branch (merging), had nothing to merge (done) or refused it (failed). */
export function handedOff(s: RunState, sessionId: string, status: 'merging' | 'done' | 'failed', reason: string | null, head: string | null, now: number, out: Out): void {
  const session = s.sessions.get(sessionId);
  if (!session || session.phase !== 'handing-off' || !session.issue || !session.branch) return;
  const { issue, branch } = session;
  complete(s, session, 'success', { status, reason }, now, out);
  // After the session's end is written: the queue must find the issue merging.
  if (status === 'merging') out.push({ type: 'enqueue-merge', issue, branch, head, now });
}

/**
 * Apply the outcome: one store write closes the session and moves its
 * issue; the worker goes back to idle (recycled at its quota, retired if
 * draining); the session is announced as ended.
 */
function complete(
  s: RunState,
  session: SessionRecord,
  outcome: SessionOutcome,
  handoff: { status: 'merging' | 'done' | 'failed'; reason: string | null } | null,
  now: number,
  out: Out,
): void {
  const issue = session.issue as IssueRow;
  const exit = session.exit ?? { at: now, exitCode: null, signal: null, error: null };
  const rules = s.rules;
  const reason = session.killReason
    ? killReasonText(session.killReason, { workerStallTimeoutMs: rules.scale.workerStallTimeoutMs, sessionTimeoutMs: rules.sessionTimeoutMs })
    : describeExit({ exitCode: exit.exitCode, signal: exit.signal, ...(exit.error ? { error: exit.error } : {}) });
  // The budget counts the attempts since the issue was last retried.
  const next = decideAfterSession({ outcome, attempts: issue.attempts, maxAttempts: rules.maxAttempts, retryDelayMs: rules.retryDelayMs, now: exit.at, reason });
  let issueStatus: IssueStatus = next.status;
  let lastError = outcome === 'success' ? null : next.lastError;
  if (handoff) {
    issueStatus = handoff.status;
    if (handoff.status === 'failed') lastError = handoff.reason;
  }
  // After a store failure nothing is recorded: the next run finds the session open and redoes it.
  const recorded = s.failure === null;
  if (recorded) out.push({
    type: 'write',
    write: {
      op: 'finish',
      sessionId: session.id,
      end: { outcome, endedAt: exit.at, exitCode: exit.exitCode, signal: exit.signal, reason },
      transition: {
        status: issueStatus,
        notBefore: next.notBefore,
        refundAttempt: next.refundAttempt,
        lastError,
        ...(session.branch && outcome === 'success' ? { branch: session.branch } : {}),
      },
    },
  });
  s.sessions.delete(session.id);
  s.outcomes[outcome]++;
  const durationMs = exit.at - session.startedAt;
  endWorkerSession(s, session.workerId, outcome, durationMs, now, out);
  if (!recorded) return;
  out.push({
    type: 'emit',
    name: 'session:ended',
    payload: { at: now, sessionId: session.id, issueId: issue.id, workerId: session.workerId, attempt: session.attempt, outcome, durationMs, reason, issueStatus },
  });
  s.sessionsEnded++;
  if (rules.displayEvery > 0 && s.sessionsEnded % rules.displayEvery === 0) out.push({ type: 'display' });
}

/**
 * A session's end as the pool and the tally see it: the worker is released
 * (retired if draining, recycled if it reached its quota), the outcome
 * folded into the tally. Shared by dispatched sessions and the hooks.
 */
export function endWorkerSession(s: RunState, workerId: string, outcome: SessionOutcome, durationMs: number, now: number, out: Out): void {
  const worker = releaseWorker(s.pool, workerId, now, out);
  tallySessionEnd(s.tally, outcome, durationMs, now);
  if (worker.state === 'idle' && s.pool.workers.has(workerId) && hasExceededQuota(worker.sessionsRun, s.rules.scale)) recycleWorker(s.pool, workerId, now, out);
}
