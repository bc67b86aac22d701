/**
 * The dashboard's questions of a fleet's PostgreSQL store, each a
 * statement on the caller's transaction. Split by cost: `readLive` is
 * asked at every update and reads only index ranges, single rows and
 * LIMITed lists (the issue counts walk the (status, priority, seq) index
 * once); `readTotals` and `readRanks` go over every session, so the
 * source asks them only when a session has ended; `readFeed` and
 * `readCharts` read LIMITed lists and bucketed ranges, at a slower pace.
 */
import { ISSUE_STATUSES, SESSION_OUTCOMES, type IssueStatus, type SessionOutcome } from '../core/states.js';
import { COUNTED_OUTCOMES, type TimeRange } from '../metrics/query-types.js';
import { SESSION_COLUMNS, toHold, toSession, type HoldRecord, type SessionRecord } from '../store/postgres/rows.js';
import type { Tx } from '../store/postgres/sql.js';
import type { HoldRow, SessionRow } from '../store/types.js';

const S_COLUMNS = SESSION_COLUMNS.split(',').map((c) => `s.${c.trim()}`).join(', ');
/** Coordinators listed: the live ones and the latest that ended. */
export const COORDINATORS_SHOWN = 20;
/** Running sessions listed, oldest first. */
export const RUNNING_SHOWN = 500;

export interface CoordinatorFigures {
  id: string;
  host: string;
  pid: number;
  version: string;
  maxWorkers: number;
  startedAt: number;
  leaseMs: number;
  heartbeatAgeMs: number;
  state: 'live' | 'ended' | 'dead';
  endedAt: number | null;
  endedBy: string | null;
  alive: number;
  draining: number;
  open: number;
  stalled: number;
}

export interface LiveFigures {
  coordinators: CoordinatorFigures[];
  running: { session: SessionRow; title: string; coordinatorId: string | null; host: string | null; pid: number | null }[];
  issueCounts: Record<IssueStatus, number>;
  spent: { costUsd: number; inputTokens: number; outputTokens: number };
  holds: HoldRow[];
  /** What changes when a session ends or a request is answered: the slower figures are read again then. */
  lastEndedAt: number | null;
  lastControl: string;
  issuesUpdatedAt: number | null;
  /** Newest first. */
  snapshotTimes: number[];
}

/** Everything asked at every update but the trailing windows' counts. */
export async function readLive(tx: Tx, at: { holdsEnded: number; snapshots: number }): Promise<LiveFigures> {
  const coordinators = await tx.rows<Record<string, unknown>>(
    `SELECT c.id, c.host, c.pid, c.version, c.max_workers, c.started_at, c.lease_ms, c.state, c.ended_at, c.ended_by,
       extract(epoch FROM clock_timestamp() - c.heartbeat_at) * 1000 AS age_ms,
       coalesce(w.alive, 0) AS alive, coalesce(w.draining, 0) AS draining, coalesce(o.open, 0) AS open, coalesce(o.stalled, 0) AS stalled
     FROM (SELECT * FROM coordinators WHERE state = 'live'
           UNION ALL (SELECT * FROM coordinators WHERE state <> 'live' ORDER BY token DESC LIMIT $1)) c
     LEFT JOIN (SELECT coordinator_id, count(*) AS alive, count(*) FILTER (WHERE state = 'draining') AS draining
                FROM workers WHERE retired_at IS NULL GROUP BY coordinator_id) w ON w.coordinator_id = c.id
     LEFT JOIN (SELECT coordinator_id, count(*) AS open, count(*) FILTER (WHERE stalled_at IS NOT NULL) AS stalled
                FROM sessions WHERE ended_at IS NULL GROUP BY coordinator_id) o ON o.coordinator_id = c.id
     ORDER BY (c.state = 'live') DESC, c.token DESC`,
    [COORDINATORS_SHOWN],
  );
  const running = await tx.rows<SessionRecord & { title: string | null; coordinator_id: string | null; host: string | null; coordinator_pid: number | null }>(
    `SELECT ${S_COLUMNS}, i.title, s.coordinator_id, c.host, c.pid AS coordinator_pid
     FROM sessions s LEFT JOIN issues i ON i.id = s.issue_id LEFT JOIN coordinators c ON c.id = s.coordinator_id
     WHERE s.ended_at IS NULL ORDER BY s.started_at, s.n LIMIT $1`,
    [RUNNING_SHOWN],
  );
  const holds = await tx.rows<HoldRecord>(
    `SELECT kind, reason, fix, since, until, ended_at, ended_by FROM holds WHERE ended_at IS NULL
     UNION ALL (SELECT kind, reason, fix, since, until, ended_at, ended_by FROM holds WHERE ended_at IS NOT NULL ORDER BY id DESC LIMIT $1)`,
    [at.holdsEnded],
  );
  const r = (await tx.row<{
    counts: { status: string; n: number }[];
    cost_usd: number | null;
    input_tokens: number | null;
    output_tokens: number | null;
    last_ended: number | null;
    last_control: string;
    issues_updated: number | null;
    snapshots: number[] | null;
  }>(
    `SELECT
       (SELECT coalesce(json_agg(json_build_object('status', status, 'n', n)), '[]') FROM (SELECT status, count(*) AS n FROM issues GROUP BY status) c) AS counts,
       (SELECT cost_usd FROM spend_totals WHERE id = 1) AS cost_usd,
       (SELECT input_tokens FROM spend_totals WHERE id = 1) AS input_tokens,
       (SELECT output_tokens FROM spend_totals WHERE id = 1) AS output_tokens,
       (SELECT max(ended_at) FROM sessions WHERE ended_at IS NOT NULL) AS last_ended,
       (SELECT coalesce(max(id), 0) || ':' || count(answered_at) FROM control_requests) AS last_control,
       (SELECT max(updated_at) FROM issues) AS issues_updated,
       (SELECT array_agg(at) FROM (SELECT at FROM metric_snapshots ORDER BY at DESC, id DESC LIMIT $1) t) AS snapshots`,
    [at.snapshots],
  ))!;
  return {
    coordinators: coordinators.map(toCoordinatorFigures),
    running: running.map((s) => ({ session: toSession(s), title: s.title ?? '', coordinatorId: s.coordinator_id, host: s.host, pid: s.coordinator_pid })),
    issueCounts: countsOf(r.counts),
    spent: { costUsd: r.cost_usd ?? 0, inputTokens: r.input_tokens ?? 0, outputTokens: r.output_tokens ?? 0 },
    holds: holds.map(toHold).sort((a, b) => a.since - b.since),
    lastEndedAt: r.last_ended,
    lastControl: r.last_control,
    issuesUpdatedAt: r.issues_updated,
    snapshotTimes: (r.snapshots ?? []).map(Number),
  };
}

/** Sessions that ended in the trailing windows: successes in `throughput`, every outcome in `health` (ranges of the sessions_ended index). */
export async function readWindows(tx: Tx, throughput: TimeRange, health: TimeRange): Promise<{ successes: number; outcomes: Record<SessionOutcome, number> }> {
  const r = (await tx.row<{ successes: number; recent: { outcome: string; n: number }[] }>(
    `SELECT (SELECT count(*) FROM sessions WHERE outcome = 'success' AND ended_at > $1 AND ended_at <= $2) AS successes,
       (SELECT coalesce(json_agg(json_build_object('outcome', outcome, 'n', n)), '[]') FROM
          (SELECT outcome, count(*) AS n FROM sessions WHERE ended_at > $3 AND ended_at <= $4 GROUP BY outcome) o) AS recent`,
    [throughput.from, throughput.to, health.from, health.to],
  ))!;
  const outcomes = Object.fromEntries(SESSION_OUTCOMES.map((o) => [o, 0])) as Record<SessionOutcome, number>;
  for (const o of r.recent) if (o.outcome in outcomes) outcomes[o.outcome as SessionOutcome] = Number(o.n);
  return { successes: Number(r.successes), outcomes };
}

function toCoordinatorFigures(r: Record<string, unknown>): CoordinatorFigures {
  const n = (v: unknown) => Number(v ?? 0);
  return {
    id: String(r.id),
    host: String(r.host),
    pid: n(r.pid),
    version: String(r.version),
    maxWorkers: n(r.max_workers),
    startedAt: n(r.started_at),
    leaseMs: n(r.lease_ms),
    heartbeatAgeMs: Math.max(0, Math.round(n(r.age_ms))),
    state: r.state as CoordinatorFigures['state'],
    endedAt: r.ended_at === null ? null : n(r.ended_at),
    endedBy: (r.ended_by as string | null) ?? null,
    alive: n(r.alive),
    draining: n(r.draining),
    open: n(r.open),
    stalled: n(r.stalled),
  };
}

function countsOf(rows: readonly { status: string; n: number }[]): Record<IssueStatus, number> {
  const counts = Object.fromEntries(ISSUE_STATUSES.map((s) => [s, 0])) as Record<IssueStatus, number>;
  for (const { status, n } of rows) if (status in counts) counts[status as IssueStatus] = Number(n);
  return counts;
}

export interface SessionTotals {
  /** Ended sessions by outcome: how many, and their durations summed (negative ones as 0). */
  byOutcome: Record<SessionOutcome, { count: number; durationMs: number }>;
  /** Stalls detected, all time and in the health window. */
  stalls: number;
  recentStalls: number;
}

/** One pass over the sessions: totals by outcome and the stalls detected. */
export async function readTotals(tx: Tx, health: TimeRange): Promise<SessionTotals> {
  const rows = await tx.rows<{ outcome: string | null; n: number; d: number; stalls: number; recent: number }>(
    `SELECT outcome, count(*) AS n, coalesce(sum(greatest(ended_at - started_at, 0)), 0) AS d,
       count(*) FILTER (WHERE stalled_at IS NOT NULL) AS stalls, count(*) FILTER (WHERE stalled_at > $1 AND stalled_at <= $2) AS recent
     FROM sessions GROUP BY outcome`,
    [health.from, health.to],
  );
  const byOutcome = Object.fromEntries(SESSION_OUTCOMES.map((o) => [o, { count: 0, durationMs: 0 }])) as SessionTotals['byOutcome'];
  let stalls = 0;
  let recentStalls = 0;
  for (const r of rows) {
    stalls += Number(r.stalls);
    recentStalls += Number(r.recent);
    if (r.outcome !== null && r.outcome in byOutcome) byOutcome[r.outcome as SessionOutcome] = { count: Number(r.n), durationMs: Number(r.d) };
  }
  return { byOutcome, stalls, recentStalls };
}

/** The durations at 1-based `ranks` among the counted sessions, shortest first (one sort). */
export async function readRanks(tx: Tx, ranks: readonly number[]): Promise<Map<number, number>> {
  if (ranks.length === 0) return new Map();
  const rows = await tx.rows<{ rn: number; d: number }>(
    `SELECT rn, d FROM (SELECT greatest(ended_at - started_at, 0) AS d, row_number() OVER (ORDER BY ended_at - started_at, n) AS rn
                        FROM sessions WHERE ended_at IS NOT NULL AND outcome = ANY($1::text[])) x WHERE rn = ANY($2::bigint[])`,
    [COUNTED_OUTCOMES, ranks],
  );
  return new Map(rows.map((r) => [Number(r.rn), Number(r.d)]));
}
