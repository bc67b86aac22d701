/** Issue rows of the SQLite store: reading them, and writing a status change computed by src/store/transitions.ts. */
import { ISSUE_STATUSES, type IssueStatus } from '../../core/states.js';
import type { QueueView } from '../../core/run/state.js';
import type { IssueChange } from '../transitions.js';
import type { IssueRow } from '../types.js';
import type { SqliteConnection } from './connection.js';
import { toIssue } from './rows.js';

export function readIssue(c: SqliteConnection, id: string): IssueRow | undefined {
  const record = c.sql.getIssue.get(id);
  return record && toIssue(record);
}

export function writeIssue(c: SqliteConnection, id: string, change: IssueChange): void {
  c.sql.setIssueState.run({
    id,
    status: change.status,
    attempts: change.attempts,
    prior_attempts: change.priorAttempts,
    not_before: change.notBefore,
    last_error: change.lastError,
    branch: change.branch,
    resume_from: change.resumeFrom,
    spent_usd: change.spentUsd,
    spent_tokens: change.spentTokens,
    updated_at: change.updatedAt,
  });
}

export function countIssues(c: SqliteConnection): Record<IssueStatus, number> {
  const counts = Object.fromEntries(ISSUE_STATUSES.map((s) => [s, 0])) as Record<IssueStatus, number>;
  for (const { status, n } of c.sql.countIssues.all()) {
    if (status in counts) counts[status as IssueStatus] = n;
  }
  return counts;
}

/** The queue as it is now: counts kept by triggers, the next retry through an index, the merge queue's depth. */
export function queueView(c: SqliteConnection): QueueView {
  const spent = c.sql.spendTotals.get();
  return {
    counts: countIssues(c),
    nextRetryAt: c.sql.nextRetryAt.get()?.at ?? null,
    mergeDepth: c.sql.mergeDepth.get()?.n ?? 0,
    spent: { costUsd: spent?.cost_usd ?? 0, inputTokens: spent?.input_tokens ?? 0, outputTokens: spent?.output_tokens ?? 0 },
  };
}
