/**
 * The dashboard's lists from a fleet's PostgreSQL store: the event feed's
 * sources, the history charts (bucketed in SQL), the issue table's pages
 * and one issue's attempts, and one session with the host its log is on.
 * Every list is LIMITed and walks an index where there is one.
 */
import type { IssueStatus } from '../core/states.js';
import type { AttemptRow, CostBucket, FailureRow, HistoryBucket, IssuePage, IssuePageQuery, MergeRow } from '../metrics/fleet.js';
import type { MetricsEvent } from '../metrics/report.js';
import type { TimeRange } from '../metrics/query-types.js';
import { CONTROL_COLUMNS, ISSUE_COLUMNS, SESSION_COLUMNS, toControl, toIssue, toSession, type IssueRecord, type SessionRecord } from '../store/postgres/rows.js';
import type { Tx } from '../store/postgres/sql.js';
import type { ControlRequestRow } from '../store/types.js';
import type { IssueDetail, SessionLocation } from './source.js';

const S_COLUMNS = SESSION_COLUMNS.split(',').map((c) => `s.${c.trim()}`).join(', ');
const MERGE_COLUMNS = 'issue_id, branch, state, queued_at, ended_at, reason, url, result';
type MergeRecord = { issue_id: string; branch: string; state: MergeRow['state']; queued_at: number; ended_at: number | null; reason: string | null; url: string | null; result: string | null };

function toMerge(r: MergeRecord): MergeRow {
  return { issueId: r.issue_id, branch: r.branch, state: r.state, queuedAt: r.queued_at, endedAt: r.ended_at, reason: r.reason, url: r.url, result: r.result };
}

export interface FeedSources {
  events: MetricsEvent[];
  failures: FailureRow[];
  merges: MergeRow[];
  controls: ControlRequestRow[];
  scale: { up: number; down: number };
  activations: number;
  /** The latest backpressure change, if any (the coordinators share the table). */
  backpressure: boolean;
}

/** The feed's sources in `window`, the latest `limit` of each. */
export async function readFeed(tx: Tx, window: TimeRange, limit: number): Promise<FeedSources> {
  const w = [window.from, window.to, limit];
  const scale = await tx.rows<{ at: number; direction: 'up' | 'down'; from_count: number; to_count: number; reason: string }>(
    'SELECT at, direction, from_count, to_count, reason FROM scale_operations WHERE at > $1 AND at <= $2 ORDER BY at DESC, id DESC LIMIT $3',
    w,
  );
  const backpressure = await tx.rows<{ at: number; active: boolean; queue_depth: number }>(
    'SELECT at, active, queue_depth FROM backpressure_changes WHERE at > $1 AND at <= $2 ORDER BY at DESC, id DESC LIMIT $3',
    w,
  );
  const killed = await tx.rows<{ ended_at: number; outcome: 'stalled' | 'timeout'; id: string; issue_id: string; worker_id: string; reason: string | null }>(
    "SELECT ended_at, outcome, id, issue_id, worker_id, reason FROM sessions WHERE ended_at > $1 AND ended_at <= $2 AND outcome IN ('stalled', 'timeout') ORDER BY ended_at DESC, n DESC LIMIT $3",
    w,
  );
  const recycles = await tx.rows<{ retired_at: number; id: string; sessions_run: number }>(
    "SELECT retired_at, id, sessions_run FROM workers WHERE retire_reason = 'quota' AND retired_at > $1 AND retired_at <= $2 ORDER BY retired_at DESC LIMIT $3",
    w,
  );
  const failures = await tx.rows<{ id: string; issue_id: string; attempt: number; ended_at: number; reason: string | null; status: string; later: boolean }>(
    `SELECT s.id, s.issue_id, s.attempt, s.ended_at, s.reason, i.status,
       EXISTS (SELECT 1 FROM sessions l WHERE l.issue_id = s.issue_id AND l.attempt > s.attempt) AS later
     FROM (SELECT id, issue_id, attempt, ended_at, reason FROM sessions
           WHERE outcome = 'failure' AND ended_at > $1 AND ended_at <= $2 ORDER BY ended_at DESC, n DESC LIMIT $3) s
     JOIN issues i ON i.id = s.issue_id ORDER BY s.ended_at DESC`,
    w,
  );
  const merges = await tx.rows<MergeRecord>(
    `SELECT ${MERGE_COLUMNS} FROM merge_entries WHERE state IN ('landed', 'opened', 'rejected') AND ended_at > $1 AND ended_at <= $2 ORDER BY ended_at DESC, id DESC LIMIT $3`,
    w,
  );
  const controls = await tx.rows<Parameters<typeof toControl>[0]>(`SELECT ${CONTROL_COLUMNS} FROM control_requests ORDER BY id DESC LIMIT $1`, [limit]);
  const counts = (await tx.row<{ up: number; down: number; activations: number; active: boolean | null }>(
    `SELECT (SELECT count(*) FROM scale_operations WHERE direction = 'up') AS up, (SELECT count(*) FROM scale_operations WHERE direction = 'down') AS down,
       (SELECT count(*) FROM backpressure_changes WHERE active) AS activations,
       (SELECT active FROM backpressure_changes ORDER BY at DESC, id DESC LIMIT 1) AS active`,
  ))!;
  const events: MetricsEvent[] = [
    ...scale.map((op): MetricsEvent => ({ at: op.at, type: op.direction === 'up' ? 'scale:up' : 'scale:down', from: op.from_count, to: op.to_count, reason: op.reason })),
    ...backpressure.map((b): MetricsEvent => ({ at: b.at, type: b.active ? 'backpressure:on' : 'backpressure:off', queueDepth: b.queue_depth })),
    ...killed.map((s): MetricsEvent => ({ at: s.ended_at, type: s.outcome === 'stalled' ? 'session:stalled' : 'session:timeout', sessionId: s.id, issueId: s.issue_id, workerId: s.worker_id, reason: s.reason })),
    ...recycles.map((r): MetricsEvent => ({ at: r.retired_at, type: 'pool:recycled', workerId: r.id, sessionsRun: r.sessions_run })),
  ];
  return {
    events: events.sort((a, b) => a.at - b.at).slice(-limit),
    failures: failures.map((r) => ({ at: r.ended_at, sessionId: r.id, issueId: r.issue_id, attempt: r.attempt, reason: r.reason, retried: r.later || (r.status !== 'failed' && r.status !== 'done') })),
    merges: merges.map(toMerge),
    controls: controls.map(toControl),
    scale: { up: Number(counts.up), down: Number(counts.down) },
    activations: Number(counts.activations),
    backpressure: counts.active ?? false,
  };
}

/** The first and last snapshot in `range`. */
export async function snapshotRange(tx: Tx, range: TimeRange): Promise<{ first: number | null; last: number | null }> {
  const r = await tx.row<{ first: number | null; last: number | null }>('SELECT min(at) AS first, max(at) AS last FROM metric_snapshots WHERE at > $1 AND at <= $2', [range.from, range.to]);
  return { first: r?.first ?? null, last: r?.last ?? null };
}

/**
 * Snapshots in columns of `stepMs` from `origin`. Every coordinator
 * records its own snapshots in the shared table: a column's largest
 * figures are the busiest coordinator's (the queue is the fleet's).
 */
export async function history(tx: Tx, range: TimeRange, origin: number, stepMs: number): Promise<HistoryBucket[]> {
  const rows = await tx.rows<HistoryBucket>(
    `SELECT floor((at - $3) / $4)::int AS bucket, max(current_workers) AS workers, max(active_workers) AS busy,
       max(queue_depth) AS "queueDepth", max(throughput_per_minute) AS "throughputPerMinute"
     FROM metric_snapshots WHERE at > $1 AND at <= $2 GROUP BY 1 ORDER BY 1`,
    [range.from, range.to, origin, stepMs],
  );
  return rows.map((r) => ({ bucket: Number(r.bucket), workers: Number(r.workers), busy: Number(r.busy), queueDepth: Number(r.queueDepth), throughputPerMinute: Number(r.throughputPerMinute) }));
}

export async function costHistory(tx: Tx, range: TimeRange, origin: number, stepMs: number): Promise<CostBucket[]> {
  const rows = await tx.rows<CostBucket>(
    `SELECT floor((ended_at - $3) / $4)::int AS bucket, coalesce(sum(cost_usd), 0) AS "costUsd",
       coalesce(sum(input_tokens), 0) + coalesce(sum(output_tokens), 0) AS tokens
     FROM sessions WHERE ended_at > $1 AND ended_at <= $2 GROUP BY 1 ORDER BY 1`,
    [range.from, range.to, origin, stepMs],
  );
  return rows.map((r) => ({ bucket: Number(r.bucket), costUsd: Number(r.costUsd), tokens: Number(r.tokens) }));
}

/** Changes whenever an issue changes or a session starts or ends. */
export async function issuesVersion(tx: Tx): Promise<string> {
  const r = await tx.row<{ updated: number | null; sessions: number | null; open: number }>(
    `SELECT (SELECT max(updated_at) FROM issues) AS updated, (SELECT max(ended_at) FROM sessions WHERE ended_at IS NOT NULL) AS sessions,
       (SELECT count(*) FROM sessions WHERE ended_at IS NULL) AS open`,
  );
  return `${r?.updated ?? 0}.${r?.sessions ?? 0}.${r?.open ?? 0}`;
}

const TRACKER_URL = '(SELECT t.url FROM tracked_issues t WHERE t.issue_id = issues.id) AS tracker_url';
const FILTER = "($1::text IS NULL OR status = $1) AND ($2::int = 1 OR id ILIKE $3 OR title ILIKE $3)";

/** One page of issues, most recently changed first, each with its sessions and its latest merge entry. */
export async function issuePage(tx: Tx, q: IssuePageQuery): Promise<IssuePage> {
  const params = [q.status satisfies IssueStatus | null, q.search === '' ? 1 : 0, `%${q.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`];
  const total = Number((await tx.row<{ n: number }>(`SELECT count(*) AS n FROM issues WHERE ${FILTER}`, params))?.n ?? 0);
  const records = await tx.rows<IssueRecord & { tracker_url: string | null }>(
    `SELECT ${ISSUE_COLUMNS}, ${TRACKER_URL} FROM issues WHERE ${FILTER} ORDER BY updated_at DESC, seq DESC LIMIT $4 OFFSET $5`,
    [...params, q.limit, q.offset],
  );
  const rows: IssuePage['rows'] = [];
  for (const record of records) {
    const merge = await tx.row<MergeRecord>(`SELECT ${MERGE_COLUMNS} FROM merge_entries WHERE issue_id = $1 ORDER BY id DESC LIMIT 1`, [record.id]);
    rows.push({ issue: toIssue(record), attempts: await attempts(tx, record.id), merge: merge ? toMerge(merge) : null, trackerUrl: record.tracker_url });
  }
  return { total, rows };
}

export async function issueDetail(tx: Tx, id: string): Promise<IssueDetail | undefined> {
  const record = await tx.row<IssueRecord & { tracker_url: string | null }>(`SELECT ${ISSUE_COLUMNS}, ${TRACKER_URL} FROM issues WHERE id = $1`, [id]);
  if (!record) return undefined;
  const merges = await tx.rows<MergeRecord>(`SELECT ${MERGE_COLUMNS} FROM merge_entries WHERE issue_id = $1 ORDER BY id`, [id]);
  return { issue: toIssue(record), attempts: await attempts(tx, id), merges: merges.map(toMerge), trackerUrl: record.tracker_url };
}

async function attempts(tx: Tx, issueId: string): Promise<AttemptRow[]> {
  const records = await tx.rows<SessionRecord>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE issue_id = $1 ORDER BY started_at, attempt`, [issueId]);
  return records.map((r) => {
    const s = toSession(r);
    return { sessionId: s.id, attempt: s.attempt, outcome: s.outcome, startedAt: s.startedAt, endedAt: s.endedAt, reason: s.reason, logPath: s.logPath };
  });
}

/** A session and the host of the coordinator that ran it (null when no coordinator claimed it). */
export async function sessionAt(tx: Tx, id: string): Promise<SessionLocation | undefined> {
  const r = await tx.row<SessionRecord & { host: string | null }>(
    `SELECT ${S_COLUMNS}, c.host FROM sessions s LEFT JOIN coordinators c ON c.id = s.coordinator_id WHERE s.id = $1`,
    [id],
  );
  return r && { session: toSession(r), host: r.host };
}

/** Whether a coordinator holds a lease now, by the server's clock. */
export async function anyLive(tx: Tx): Promise<boolean> {
  const r = await tx.row<{ live: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM coordinators WHERE state = 'live' AND heartbeat_at >= clock_timestamp() - lease_ms * interval '1 millisecond') AS live",
  );
  return r?.live ?? false;
}
