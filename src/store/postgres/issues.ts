/** Issue rows of the PostgreSQL store: reading them, writing a status change computed by src/store/transitions.ts, and the queue they make. */
import { ISSUE_STATUSES, type IssueStatus } from '../../core/states.js';
import type { QueueView, Spend } from '../../core/run/state.js';
import type { IssueChange } from '../transitions.js';
import type { IssueRow } from '../types.js';
import { ISSUE_COLUMNS, toIssue, type IssueRecord } from './rows.js';
import type { Tx } from './sql.js';

/** The issue, locked for the rest of the transaction when `lock` (it is about to change). */
export async function readIssue(tx: Tx, id: string, lock = false): Promise<IssueRow | undefined> {
  const record = await tx.row<IssueRecord>(`SELECT ${ISSUE_COLUMNS} FROM issues WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return record && toIssue(record);
}

/** The update of one issue to `change`, its parameters numbered from `$first` (issueParams gives them), for a statement of its own or a part of a larger one. */
export function issueUpdate(first: number): string {
  const $ = (k: number) => `$${first + k}`;
  return `UPDATE issues SET status = ${$(1)}, attempts = ${$(2)}, prior_attempts = ${$(3)}, not_before = ${$(4)}, last_error = ${$(5)}, branch = ${$(6)},
       resume_from = ${$(7)}, spent_usd = ${$(8)}, spent_tokens = ${$(9)}, updated_at = ${$(10)}
     WHERE id = ${$(0)}`;
}

export function issueParams(id: string, change: IssueChange): unknown[] {
  return [id, change.status, change.attempts, change.priorAttempts, change.notBefore, change.lastError, change.branch, change.resumeFrom, change.spentUsd, change.spentTokens, change.updatedAt];
}

export async function writeIssue(tx: Tx, id: string, change: IssueChange): Promise<void> {
  await tx.run(issueUpdate(1), issueParams(id, change));
}

export async function listIssues(tx: Tx, status?: IssueStatus): Promise<IssueRow[]> {
  const records =
    status === undefined
      ? await tx.rows<IssueRecord>(`SELECT ${ISSUE_COLUMNS} FROM issues ORDER BY priority, seq`)
      : await tx.rows<IssueRecord>(`SELECT ${ISSUE_COLUMNS} FROM issues WHERE status = $1 ORDER BY priority, seq`, [status]);
  return records.map(toIssue);
}

/** Issues by status, from the shards the triggers keep (schema-counts.ts): at most 64 rows a status, however long the backlog. */
export const COUNTS = 'SELECT status, sum(n) AS n FROM status_counts GROUP BY status HAVING sum(n) <> 0';

function countsOf(rows: readonly { status: string; n: number }[]): Record<IssueStatus, number> {
  const counts = Object.fromEntries(ISSUE_STATUSES.map((s) => [s, 0])) as Record<IssueStatus, number>;
  for (const { status, n } of rows) {
    if (status in counts) counts[status as IssueStatus] = Number(n);
  }
  return counts;
}

export async function countIssues(tx: Tx): Promise<Record<IssueStatus, number>> {
  return countsOf(await tx.rows<{ status: string; n: number }>(COUNTS));
}

/**
 * One statement, so one snapshot: the counts, the next retry, the merge
 * queue's depth and what has been spent. `except` (SQL naming an issue id)
 * leaves that issue out of the next retry.
 */
const viewColumns = (except?: string) => `
  (SELECT coalesce(json_agg(json_build_object('status', c.status, 'n', c.n)), '[]') FROM (${COUNTS}) c) AS counts,
  (SELECT min(not_before) FROM issues WHERE status = 'queued' AND not_before IS NOT NULL${except ? ` AND id IS DISTINCT FROM ${except}` : ''}) AS next_retry_at,
  (SELECT count(*) FROM merge_entries WHERE state IN ('queued', 'merging')) AS merge_depth,
  s.cost_usd, s.input_tokens, s.output_tokens`;

const QUEUE_VIEW = `SELECT ${viewColumns()} FROM spend_totals s WHERE s.id = 1`;

export interface ViewRecord {
  counts: { status: string; n: number }[];
  next_retry_at: number | null;
  merge_depth: number;
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
}

/**
 * A statement that writes (`cte`, a data-modifying WITH clause) and
 * answers the queue view with `columns` of its own, in one round trip. The
 * view reads the snapshot the statement began with, so it does not show
 * the statement's own writes: the caller adds them (viewAfter), and
 * `except` names the issue the statement moves, left out of the next retry.
 */
export function withQueueView(cte: string, columns: string, except?: string): string {
  return `WITH ${cte} SELECT ${columns}, ${viewColumns(except)} FROM spend_totals s WHERE s.id = 1`;
}

/** A move of one issue, and what its session spent, as a statement that also read the view did them. */
export interface ViewMove {
  from: IssueStatus;
  to: IssueStatus;
  /** The issue's retry time after the move (it counts only when the move is to queued). */
  notBefore: number | null;
  spend?: Spend;
}

/** The view a statement read before its own move (withQueueView), with that move made. */
export function viewAfter(view: QueueView, move: ViewMove): QueueView {
  const counts = { ...view.counts };
  if (move.from !== move.to) {
    counts[move.from] -= 1;
    counts[move.to] += 1;
  }
  const retry = move.to === 'queued' ? move.notBefore : null;
  const nextRetryAt = retry === null ? view.nextRetryAt : view.nextRetryAt === null ? retry : Math.min(view.nextRetryAt, retry);
  const spend = move.spend;
  const spent = spend
    ? { costUsd: view.spent.costUsd + spend.costUsd, inputTokens: view.spent.inputTokens + spend.inputTokens, outputTokens: view.spent.outputTokens + spend.outputTokens }
    : view.spent;
  return { ...view, counts, nextRetryAt, spent };
}

export async function queueView(tx: Tx): Promise<QueueView> {
  return viewOf(await tx.row<ViewRecord>(QUEUE_VIEW));
}

export function viewOf(r: ViewRecord | undefined): QueueView {
  return {
    counts: countsOf(r?.counts ?? []),
    nextRetryAt: r?.next_retry_at ?? null,
    mergeDepth: r?.merge_depth ?? 0,
    spent: { costUsd: r?.cost_usd ?? 0, inputTokens: r?.input_tokens ?? 0, outputTokens: r?.output_tokens ?? 0 },
  };
}

/** Write many status changes in one statement (admission moves a whole head of the backlog). */
export async function writeIssues(tx: Tx, changes: readonly { id: string; change: IssueChange }[]): Promise<void> {
  if (changes.length === 0) return;
  const column = <K extends keyof IssueChange>(key: K) => changes.map(({ change }) => change[key]);
  await tx.run(
    `UPDATE issues SET status = c.status, attempts = c.attempts, prior_attempts = c.prior_attempts, not_before = c.not_before,
       last_error = c.last_error, branch = c.branch, resume_from = c.resume_from, spent_usd = c.spent_usd,
       spent_tokens = c.spent_tokens, updated_at = c.updated_at
     FROM unnest($1::text[], $2::text[], $3::integer[], $4::integer[], $5::float8[], $6::text[], $7::text[], $8::text[], $9::float8[], $10::bigint[], $11::float8[])
       AS c (id, status, attempts, prior_attempts, not_before, last_error, branch, resume_from, spent_usd, spent_tokens, updated_at)
     WHERE issues.id = c.id`,
    [
      changes.map(({ id }) => id),
      column('status'),
      column('attempts'),
      column('priorAttempts'),
      column('notBefore'),
      column('lastError'),
      column('branch'),
      column('resumeFrom'),
      column('spentUsd'),
      column('spentTokens'),
      column('updatedAt'),
    ],
  );
}
