/**
 * A dispatched session from its claim to its end: start it on the claimed
 * issue, follow its progress, stop it when asked, and apply its outcome
 * (done, retry with backoff, failed, handed to the merge queue).
 */
import { emptySummary } from '../../agents/formats/summary.js';
import type { SessionExit } from '../../agents/types.js';
import type { IssueRow } from '../../store/types.js';
import { hasExceededQuota } from '../quota.js';
import { decideAfterSession } from '../retry.js';
import type { IssueStatus, SessionOutcome } from '../states.js';
import { tallySessionEnd } from '../tally.js';
import { budgetLeft, usageOf } from './agent.js';
import { dispatch, takeView } from './dispatch.js';
import { hold, liftHold, mayStart } from './holds.js';
import { judgeSession, type SessionVerdict } from './outcome.js';
import { assignWorker, recycleWorker, releaseWorker, type Out } from './pool.js';
import type { KillReason, QueueView, RunState, SessionRecord } from './state.js';
import { countFailure } from './streak.js';

export { classifyExit, describeExit, killReasonText } from './outcome.js';

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
    agent: s.rules.agentFormat === null ? null : emptySummary(),
    // A retry after a stall, a timeout, an interrupt, a loss or a hold continues the agent's conversation.
    resumedFrom: s.rules.resume ? issue.resumeFrom : null,
    probe: s.holds.size > 0 && mayStart(s).probe,
    budgetNote: null,
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
  if (s.rules.workspaces) out.push({ type: 'prepare', sessionId, issueId: issue.id, workerId, attempt: session.attempt });
  else out.push(spawnCommand(s, session, null));
  dispatch(s, now, out);
}

function spawnCommand(s: RunState, session: SessionRecord, cwd: string | null) {
  const issue = session.issue as IssueRow;
  return {
    type: 'spawn' as const,
    sessionId: session.id,
    workerId: session.workerId,
    attempt: session.attempt,
    issue,
    cwd,
    resumeFrom: session.resumedFrom,
    budgetUsd: budgetLeft(s, issue.spentUsd),
  };
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
  out.push(spawnCommand(s, session, cwd));
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

/** An operator stops a running session: it ends `cancelled`, and its issue goes back to the queue without spending an attempt. */
export function cancelSession(s: RunState, sessionId: string, by: string, now: number, out: Out): void {
  const session = s.sessions.get(sessionId);
  if (!session || !session.issue || session.phase === 'handing-off') return;
  session.stopNote = `cancelled ${by}`;
  stopSession(s, sessionId, 'cancelled', now, out);
}

/** The session's process ended (or never started). */
export function exited(s: RunState, sessionId: string, exit: SessionExit, now: number, out: Out): void {
  const session = s.sessions.get(sessionId);
  if (!session || !session.issue || session.phase === 'handing-off') return;
  out.push({ type: 'cancel-timer', key: `timeout:${sessionId}` });
  session.exit = { at: now, exitCode: exit.exitCode, signal: exit.signal, error: exit.error ?? null };
  const verdict = judge(s, session, exit, now);
  if (verdict.outcome === 'success' && s.rules.merges && session.branch) {
    session.phase = 'handing-off';
    session.verdict = verdict;
    out.push({ type: 'hand-off', sessionId, issue: session.issue, branch: session.branch });
    return;
  }
  complete(s, session, verdict, null, now, out);
}

function judge(s: RunState, session: SessionRecord, exit: SessionExit, now: number): SessionVerdict {
  return judgeSession({
    killReason: session.killReason,
    budgetNote: session.budgetNote,
    stopNote: session.stopNote ?? null,
    exit,
    format: s.rules.agentFormat,
    agent: session.agent,
    rules: { workerStallTimeoutMs: s.rules.scale.workerStallTimeoutMs, sessionTimeoutMs: s.rules.sessionTimeoutMs },
  });
}

/** The merge queue took the branch (merging), had nothing to merge (done) or refused it (failed). */
export function handedOff(s: RunState, sessionId: string, status: 'merging' | 'done' | 'failed', reason: string | null, head: string | null, now: number, out: Out): void {
  const session = s.sessions.get(sessionId);
  if (!session || session.phase !== 'handing-off' || !session.issue || !session.branch) return;
  const { issue, branch } = session;
  complete(s, session, session.verdict ?? judge(s, session, { exitCode: 0, signal: null }, now), { status, reason }, now, out);
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
  verdict: SessionVerdict,
  handoff: { status: 'merging' | 'done' | 'failed'; reason: string | null } | null,
  now: number,
  out: Out,
): void {
  const issue = session.issue as IssueRow;
  const exit = session.exit ?? { at: now, exitCode: null, signal: null, error: null };
  const rules = s.rules;
  const { outcome, reason } = verdict;
  // The budget counts the attempts since the issue was last retried.
  const next = decideAfterSession({ outcome, attempts: issue.attempts, maxAttempts: rules.maxAttempts, retryDelayMs: rules.retryDelayMs, now: exit.at, reason, final: verdict.final });
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
      end: { outcome, endedAt: exit.at, exitCode: exit.exitCode, signal: exit.signal, reason, usage: usageOf(session.agent, verdict.agentError) },
      transition: {
        status: issueStatus,
        notBefore: next.notBefore,
        refundAttempt: next.refundAttempt,
        lastError,
        ...(session.branch && outcome === 'success' ? { branch: session.branch } : {}),
        ...resumeAfter(outcome),
      },
    },
  });
  s.sessions.delete(session.id);
  s.outcomes[outcome]++;
  const durationMs = exit.at - session.startedAt;
  endWorkerSession(s, session.workerId, outcome, durationMs, now, out);
  afterVerdict(s, session, verdict, now, out);
  if (!recorded) return;
  out.push({
    type: 'emit',
    name: 'session:ended',
    // A session that succeeded but whose issue failed on handing off (no changes, a branch the fleet could not be given) says why.
    payload: { at: now, sessionId: session.id, issueId: issue.id, workerId: session.workerId, attempt: session.attempt, outcome, durationMs, reason: handoff?.status === 'failed' && handoff.reason !== null ? handoff.reason : reason, issueStatus },
  });
  s.sessionsEnded++;
  if (rules.displayEvery > 0 && s.sessionsEnded % rules.displayEvery === 0) out.push({ type: 'display' });
}

/**
 * What the next session of the issue resumes: after a stall, a timeout, an
 * interrupt or a hold, the agent's conversation (kept); after a success or
 * a failure (a resume that failed included), nothing: it starts over.
 */
function resumeAfter(outcome: SessionOutcome): { resumeFrom?: null } {
  return outcome === 'success' || outcome === 'failure' ? { resumeFrom: null } : {};
}

/** The fleet's side of a session's end: holds it calls for, a probe's answer, the circuit breaker. */
function afterVerdict(s: RunState, session: SessionRecord, verdict: SessionVerdict, now: number, out: Out): void {
  if (verdict.hold) hold(s, verdict.hold.kind, verdict.hold.reason, verdict.hold.fix, verdict.hold.until, now, out);
  else if (session.probe && verdict.outcome === 'success') liftHold(s, 'usage-limit', 'a probe session succeeded', now, out);
  else if (session.probe) {
    // The probe met something else: wait again before the next one.
    const limit = s.holds.get('usage-limit');
    if (limit) hold(s, 'usage-limit', limit.reason, limit.fix, null, now, out);
  }
  countFailure(s, session, verdict, now, out);
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
