/**
 * What a store checks and computes before it writes, shared by every
 * implementation so the rules cannot drift apart: the issue's state machine
 * (src/core/machines.ts) is asserted on every status change, and the fields
 * a transition, a claim or a retry leaves are computed here. A store only
 * reads the rows, calls these, and writes what they return.
 */
import { assertTransition } from '../core/machines.js';
import type { IssueStatus } from '../core/states.js';
import { StoreError } from '../errors.js';
import type { AgentUsage, IssueRow, IssueTransition, RetryResult } from './types.js';

/** The fields of an issue a status change writes. */
export type IssueChange = Pick<IssueRow, 'status' | 'attempts' | 'priorAttempts' | 'notBefore' | 'lastError' | 'branch' | 'resumeFrom' | 'spentUsd' | 'spentTokens' | 'updatedAt'>;

type IssueState = Pick<IssueRow, 'id' | 'status' | 'attempts' | 'priorAttempts' | 'notBefore' | 'lastError' | 'branch' | 'resumeFrom' | 'spentUsd' | 'spentTokens'>;

/**
 * The issue after a session's end or a merge's outcome: refunding the
 * attempt when asked, and adding what the session spent (`usage`).
 */
export function afterTransition(issue: IssueState, transition: IssueTransition, now: number, usage?: AgentUsage | null): IssueChange {
  assertTransition('issue', issue.id, issue.status, transition.status);
  const spend = spendOf(usage);
  return {
    status: transition.status,
    attempts: transition.refundAttempt ? Math.max(issue.attempts - 1, 0) : issue.attempts,
    priorAttempts: issue.priorAttempts,
    notBefore: transition.notBefore ?? null,
    lastError: transition.lastError === undefined ? issue.lastError : transition.lastError,
    branch: transition.branch === undefined ? issue.branch : transition.branch,
    resumeFrom: transition.resumeFrom === undefined ? issue.resumeFrom : transition.resumeFrom,
    spentUsd: issue.spentUsd + spend.costUsd,
    spentTokens: issue.spentTokens + spend.inputTokens + spend.outputTokens,
    updatedAt: now,
  };
}

/** What a session's usage adds to the totals (nothing for a session whose agent reported none). */
export function spendOf(usage: AgentUsage | null | undefined): { costUsd: number; inputTokens: number; outputTokens: number } {
  return { costUsd: usage?.costUsd ?? 0, inputTokens: usage?.inputTokens ?? 0, outputTokens: usage?.outputTokens ?? 0 };
}

/** Admitted: backlog → queued, with no backoff. */
export function afterAdmission(issue: IssueState, now: number): IssueChange {
  assertTransition('issue', issue.id, issue.status, 'queued');
  return changed(issue, 'queued', issue.attempts, now);
}

/** Claimed: queued → running, one more attempt spent; the session's attempt number is priorAttempts + attempts. */
export function afterClaim(issue: IssueState, now: number): IssueChange {
  assertTransition('issue', issue.id, issue.status, 'running');
  return changed(issue, 'running', issue.attempts + 1, now);
}

/**
 * Retried by the user: failed → back through intake (the backlog), with a
 * fresh budget (the attempts spent so far become prior attempts).
 */
export function afterRetry(issue: IssueState, now: number): IssueChange {
  if (issue.status !== 'failed') throw new StoreError(`cannot retry issue ${issue.id}: it is ${issue.status}, not failed`);
  return { ...unchanged(issue), status: 'backlog', attempts: 0, priorAttempts: issue.priorAttempts + issue.attempts, notBefore: null, updatedAt: now };
}

/** Issues that will never run (a blocker failed) may fail from these states; others are left as they are. */
export function failsUnrun(status: IssueStatus): boolean {
  return status === 'backlog' || status === 'queued';
}

/** Never run: backlog|queued → failed, with `reason` as its lastError and no session. */
export function afterUnrun(issue: IssueState, reason: string, now: number): IssueChange {
  assertTransition('issue', issue.id, issue.status, 'failed');
  return { ...unchanged(issue), status: 'failed', notBefore: null, lastError: reason, updatedAt: now };
}

/** Which of `ids` may be retried: all of them, or none when one is unknown or not failed. */
export function retryVerdict(ids: readonly string[], statusOf: (id: string) => IssueStatus | undefined): RetryResult {
  const result: RetryResult = { retried: [], unknown: [], notFailed: [] };
  for (const id of new Set(ids)) {
    const status = statusOf(id);
    if (status === undefined) result.unknown.push(id);
    else if (status !== 'failed') result.notFailed.push({ id, status });
    else result.retried.push(id);
  }
  return result.unknown.length > 0 || result.notFailed.length > 0 ? { ...result, retried: [] } : result;
}

/** A session can close once; `session` is what the store holds of it. */
export function checkFinish(sessionId: string, session: { endedAt: number | null; outcome: string | null } | undefined): void {
  if (!session) throw new StoreError(`cannot finish session ${sessionId}: no such session`);
  if (session.endedAt !== null) {
    throw new StoreError(`cannot finish session ${sessionId}: it already ended at ${session.endedAt} with outcome ${session.outcome}`);
  }
}

/** A merge outcome moves an issue only while it is merging. */
export function checkMergeOutcome(issueId: string, status: IssueStatus | undefined): void {
  if (status !== 'merging') {
    throw new StoreError(`cannot apply a merge outcome to issue ${issueId}: it must be merging, but it is ${status ?? 'missing'}`);
  }
}

/** The session id is new: a claim never reuses one. */
export function checkNewSession(sessionId: string, exists: boolean): void {
  if (exists) throw new StoreError(`cannot start session ${sessionId}: a session with that id already exists`);
}

/** A move with no backoff: one object, as admissions and claims happen for every issue. */
function changed(issue: IssueState, status: IssueStatus, attempts: number, now: number): IssueChange {
  return {
    status,
    attempts,
    priorAttempts: issue.priorAttempts,
    notBefore: null,
    lastError: issue.lastError,
    branch: issue.branch,
    resumeFrom: issue.resumeFrom,
    spentUsd: issue.spentUsd,
    spentTokens: issue.spentTokens,
    updatedAt: now,
  };
}

function unchanged(issue: IssueState): Omit<IssueChange, 'updatedAt'> {
  return {
    status: issue.status,
    attempts: issue.attempts,
    priorAttempts: issue.priorAttempts,
    notBefore: issue.notBefore,
    lastError: issue.lastError,
    branch: issue.branch,
    resumeFrom: issue.resumeFrom,
    spentUsd: issue.spentUsd,
    spentTokens: issue.spentTokens,
  };
}
