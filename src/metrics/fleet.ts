import type Database from 'better-sqlite3';
import type { IssueStatus, SessionOutcome } from '../core/states.js';
import type { ControlKind } from '../core/controls.js';
import type { MergeEntryState } from '../merge/states.js';
import { ISSUE_COLUMNS, SESSION_COLUMNS, toControl, toHold, toIssue, toSession, type ControlRequestRecord, type HoldRecord, type IssueRecord, type SessionRecord } from '../store/sqlite/rows.js';
import type { ControlRequestRow, HoldRow, IssueRow, SessionRow } from '../store/types.js';
import { presentColumns, type TimeRange } from './queries.js';

/**
 * Read-only questions a live view of the fleet asks of a state store,
 * beside the metric set's (queries.ts): the running sessions, workers by
 * state, holds, spend, a page of the issue table with each issue's
 * attempts and merge, the latest failures and merges, operators' requests,
 * and the history charts reduced in SQL to one point per column. Every
 * question reads an index range or a bounded number of rows, and each
 * tolerates a store written by an older harness (a missing table or column
 * reads as empty or null), so a store is never migrated to be looked at.
 */

export interface WorkerCounts {
  /** Workers recorded as draining: they finish their session, then retire. */
  draining: number;
}

export interface SpendTotals {
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

export interface IssuePageQuery {
  status: IssueStatus | null;
  /** Matches the id or the title, case-insensitively for ASCII letters. */
  search: string;
  offset: number;
  limit: number;
}

/** One session as an issue's row shows it. */
export interface AttemptRow {
  sessionId: string;
  attempt: number;
  outcome: SessionOutcome | null;
  startedAt: number;
  endedAt: number | null;
  reason: string | null;
  logPath: string | null;
}

export interface MergeRow {
  issueId: string;
  branch: string;
  state: MergeEntryState;
  queuedAt: number;
  endedAt: number | null;
  reason: string | null;
  url: string | null;
  result: string | null;
}

export interface IssuePage {
  total: number;
  rows: { issue: IssueRow; attempts: AttemptRow[]; merge: MergeRow | null; trackerUrl: string | null }[];
}

/** A session that failed, with whether its issue got another attempt. */
export interface FailureRow {
  at: number;
  sessionId: string;
  issueId: string;
  attempt: number;
  reason: string | null;
  retried: boolean;
}

export interface HistoryBucket {
  bucket: number;
  workers: number;
  busy: number;
  queueDepth: number;
  throughputPerMinute: number;
}

export interface CostBucket {
  bucket: number;
  costUsd: number;
  tokens: number;
}

export class FleetQueries {
  private readonly tables: Set<string>;
  private readonly sql;

  /** `db`: a read-only connection to the state; `statePath` its absolute path, which stored log paths are written against. */
  constructor(
    readonly db: Database.Database,
    private readonly statePath: string | null,
  ) {
    this.tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    this.sql = this.prepare();
  }

  /**
   * Changes whenever an issue changes (its status, its attempts) or a
   * session starts or ends: a page of the issue table read before is still
   * current while it stays the same.
   */
  issuesVersion(): string {
    const r = this.sql.issuesVersion.get();
    return `${r?.updated ?? 0}.${r?.sessions ?? 0}`;
  }

  /** Changes whenever another connection commits: nothing to read again while it stays the same. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  runningSessions(): { session: SessionRow; title: string }[] {
    const titles = new Map(this.sql.runningTitles.all().map((r) => [r.id, r.title]));
    return this.sql.running.all().map((r) => ({ session: toSession(r, this.statePath), title: titles.get(r.issue_id) ?? '' }));
  }

  session(id: string): SessionRow | undefined {
    const record = this.sql.session.get(id);
    return record && toSession(record, this.statePath);
  }

  /** Workers of the run that started at `since`, by the states only the store records. */
  workerCounts(since: number): WorkerCounts {
    return { draining: this.sql.draining.get(since)?.n ?? 0 };
  }

  /** Holds on now, and the latest `recent` that ended, oldest first. */
  holds(recent: number): HoldRow[] {
    if (!this.sql.holds) return [];
    return this.sql.holds.all(recent).map(toHold).sort((a, b) => a.since - b.since);
  }

  /** What ended sessions spent (kept by the store), and what running ones have reported so far. */
  spend(): { recorded: SpendTotals; running: SpendTotals } {
    const recorded = this.sql.spendTotals?.get() ?? { cost_usd: 0, input_tokens: 0, output_tokens: 0 };
    const running = this.sql.runningSpend.get() ?? { cost_usd: 0, input_tokens: 0, output_tokens: 0 };
    const totals = (r: { cost_usd: number | null; input_tokens: number | null; output_tokens: number | null }): SpendTotals => ({
      costUsd: r.cost_usd ?? 0,
      inputTokens: r.input_tokens ?? 0,
      outputTokens: r.output_tokens ?? 0,
    });
    return { recorded: totals(recorded), running: totals(running) };
  }

  /** One page of issues, most recently changed first, each with its sessions and its latest merge entry. */
  issuePage(q: IssuePageQuery): IssuePage {
    const params = { status: q.status, search: `%${q.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`, all: q.search === '' ? 1 : 0 };
    const total = this.sql.issueCount.get(params)?.n ?? 0;
    const records = this.sql.issuePage.all({ ...params, limit: q.limit, offset: q.offset });
    return { total, rows: records.map((r) => this.issueRow(r)) };
  }

  /** One issue with every session and merge entry it has had, or undefined. */
  issueDetail(id: string): { issue: IssueRow; attempts: AttemptRow[]; merges: MergeRow[]; trackerUrl: string | null } | undefined {
    const record = this.sql.issue.get(id);
    if (!record) return undefined;
    return { ...this.issueRow(record), merges: this.sql.merges ? this.sql.merges.all(id).map(toMerge) : [] };
  }

  private issueRow(record: IssueRecord & { tracker_url?: string | null }) {
    const attempts = this.sql.attempts.all(record.id).map((s) => {
      const row = toSession(s, this.statePath);
      return { sessionId: row.id, attempt: row.attempt, outcome: row.outcome, startedAt: row.startedAt, endedAt: row.endedAt, reason: row.reason, logPath: row.logPath };
    });
    const merge = this.sql.latestMerge?.get(record.id);
    return { issue: toIssue(record), attempts, merge: merge ? toMerge(merge) : null, trackerUrl: record.tracker_url ?? null };
  }

  /** Sessions that failed in `range`, latest first. */
  latestFailures(range: TimeRange, limit: number): FailureRow[] {
    return this.sql.failures.all({ from: range.from, to: range.to, limit }).map((r) => ({
      at: r.ended_at,
      sessionId: r.id,
      issueId: r.issue_id,
      attempt: r.attempt,
      reason: r.reason,
      retried: r.later !== 0 || (r.status !== 'failed' && r.status !== 'done'),
    }));
  }

  /** Merge entries that landed or were rejected in `range`, latest first. */
  latestMerges(range: TimeRange, limit: number): MergeRow[] {
    return this.sql.endedMerges ? this.sql.endedMerges.all({ from: range.from, to: range.to, limit }).map(toMerge) : [];
  }

  controls(limit: number): ControlRequestRow[] {
    return this.sql.controls ? this.sql.controls.all(limit).map(toControl) : [];
  }

  /** Snapshots in `range` in columns of `stepMs` from `origin`: the largest figures in each. */
  history(range: TimeRange, origin: number, stepMs: number): HistoryBucket[] {
    return this.sql.history.all({ from: range.from, to: range.to, origin, step: stepMs });
  }

  /** What sessions that ended in `range` spent, in columns of `stepMs` from `origin`. */
  costHistory(range: TimeRange, origin: number, stepMs: number): CostBucket[] {
    return this.sql.costHistory.all({ from: range.from, to: range.to, origin, step: stepMs });
  }

  private prepare() {
    const db = this.db;
    const has = (table: string) => this.tables.has(table);
    const sessionColumns = presentColumns(db, 'sessions', SESSION_COLUMNS);
    const issueColumns = presentColumns(db, 'issues', ISSUE_COLUMNS);
    const sessionHas = columnsOf(db, 'sessions');
    // A column an older store lacks reads as NULL.
    const spent = (column: 'cost_usd' | 'input_tokens' | 'output_tokens') => (sessionHas.has(column) ? column : 'NULL');
    // A tracker's link: the one recorded when the issue was taken from its tracker (schema 10).
    const trackerUrl = has('tracked_issues') ? '(SELECT t.url FROM tracked_issues t WHERE t.issue_id = issues.id)' : 'NULL';
    const mergeColumns = 'issue_id, branch, state, queued_at, ended_at, reason, url, result';
    const filter = `(@status IS NULL OR status = @status) AND (@all = 1 OR id LIKE @search ESCAPE '\\' OR title LIKE @search ESCAPE '\\')`;
    type Spend = { cost_usd: number | null; input_tokens: number | null; output_tokens: number | null };
    return {
      running: db.prepare<[], SessionRecord>(`SELECT ${sessionColumns} FROM sessions WHERE ended_at IS NULL ORDER BY started_at, rowid`),
      session: db.prepare<[string], SessionRecord>(`SELECT ${sessionColumns} FROM sessions WHERE id = ?`),
      runningTitles: db.prepare<[], { id: string; title: string }>('SELECT id, title FROM issues WHERE id IN (SELECT issue_id FROM sessions WHERE ended_at IS NULL)'),
      draining: db.prepare<[number], { n: number }>("SELECT count(*) AS n FROM workers WHERE state = 'draining' AND retired_at IS NULL AND created_at >= ?"),
      holds: has('holds')
        ? db.prepare<[number], HoldRecord>(
            `SELECT kind, reason, fix, since, until, ended_at, ended_by FROM holds WHERE ended_at IS NULL
             UNION ALL SELECT * FROM (SELECT kind, reason, fix, since, until, ended_at, ended_by FROM holds WHERE ended_at IS NOT NULL ORDER BY id DESC LIMIT ?)`,
          )
        : null,
      spendTotals: has('spend_totals') ? db.prepare<[], Spend>('SELECT cost_usd, input_tokens, output_tokens FROM spend_totals WHERE id = 1') : null,
      runningSpend: db.prepare<[], Spend>(
        `SELECT sum(${spent('cost_usd')}) AS cost_usd, sum(${spent('input_tokens')}) AS input_tokens, sum(${spent('output_tokens')}) AS output_tokens
         FROM sessions WHERE ended_at IS NULL`,
      ),
      issuesVersion: db.prepare<[], { updated: number | null; sessions: number }>(
        // max(updated_at) walks idx_issues_updated (schema 9) to its end; max(rowid) is the last session's.
        'SELECT (SELECT max(updated_at) FROM issues) AS updated, (SELECT coalesce(max(rowid), 0) FROM sessions) AS sessions',
      ),
      issueCount: db.prepare<[{ status: string | null; search: string; all: number }], { n: number }>(`SELECT count(*) AS n FROM issues WHERE ${filter}`),
      issuePage: db.prepare<[{ status: string | null; search: string; all: number; limit: number; offset: number }], IssueRecord & { tracker_url: string | null }>(
        `SELECT ${issueColumns}, ${trackerUrl} AS tracker_url FROM issues WHERE ${filter} ORDER BY updated_at DESC, seq DESC LIMIT @limit OFFSET @offset`,
      ),
      issue: db.prepare<[string], IssueRecord & { tracker_url: string | null }>(`SELECT ${issueColumns}, ${trackerUrl} AS tracker_url FROM issues WHERE id = ?`),
      attempts: db.prepare<[string], SessionRecord>(`SELECT ${sessionColumns} FROM sessions WHERE issue_id = ? ORDER BY started_at, attempt`),
      latestMerge: has('merge_entries') ? db.prepare<[string], MergeRecord>(`SELECT ${mergeColumns} FROM merge_entries WHERE issue_id = ? ORDER BY id DESC LIMIT 1`) : null,
      merges: has('merge_entries') ? db.prepare<[string], MergeRecord>(`SELECT ${mergeColumns} FROM merge_entries WHERE issue_id = ? ORDER BY id`) : null,
      endedMerges: has('merge_entries')
        ? db.prepare<[{ from: number; to: number; limit: number }], MergeRecord>(
            `SELECT ${mergeColumns} FROM merge_entries WHERE state IN ('landed', 'opened', 'rejected') AND ended_at > @from AND ended_at <= @to ORDER BY ended_at DESC, id DESC LIMIT @limit`,
          )
        : null,
      failures: db.prepare<
        [{ from: number; to: number; limit: number }],
        { id: string; issue_id: string; attempt: number; ended_at: number; reason: string | null; status: string; later: number }
      >(
        `SELECT s.id, s.issue_id, s.attempt, s.ended_at, s.reason, i.status,
           EXISTS (SELECT 1 FROM sessions l WHERE l.issue_id = s.issue_id AND l.attempt > s.attempt) AS later
         FROM (SELECT id, issue_id, attempt, ended_at, reason FROM sessions
               WHERE outcome = 'failure' AND ended_at > @from AND ended_at <= @to ORDER BY ended_at DESC LIMIT @limit) s
         JOIN issues i ON i.id = s.issue_id ORDER BY s.ended_at DESC`,
      ),
      controls: has('control_requests')
        ? db.prepare<[number], ControlRequestRecord & { kind: ControlKind }>(
            'SELECT id, kind, target, requested_at, requested_by, taken_at, answered_at, applied, result FROM control_requests ORDER BY id DESC LIMIT ?',
          )
        : null,
      history: db.prepare<[{ from: number; to: number; origin: number; step: number }], HistoryBucket>(
        // Bound numbers arrive as REAL, so the division is cast to get whole columns.
        `SELECT CAST((at - @origin) / @step AS INTEGER) AS bucket, max(current_workers) AS workers, max(active_workers) AS busy,
           max(queue_depth) AS queueDepth, max(throughput_per_minute) AS throughputPerMinute
         FROM metric_snapshots WHERE at > @from AND at <= @to GROUP BY bucket ORDER BY bucket`,
      ),
      costHistory: db.prepare<[{ from: number; to: number; origin: number; step: number }], CostBucket>(
        `SELECT CAST((ended_at - @origin) / @step AS INTEGER) AS bucket, coalesce(sum(${spent('cost_usd')}), 0) AS costUsd,
           coalesce(sum(${spent('input_tokens')}), 0) + coalesce(sum(${spent('output_tokens')}), 0) AS tokens
         FROM sessions WHERE ended_at > @from AND ended_at <= @to GROUP BY bucket ORDER BY bucket`,
      ),
    };
  }
}

function columnsOf(db: Database.Database, table: string): Set<string> {
  return new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));
}

interface MergeRecord {
  issue_id: string;
  branch: string;
  state: MergeEntryState;
  queued_at: number;
  ended_at: number | null;
  reason: string | null;
  url: string | null;
  result: string | null;
}

function toMerge(r: MergeRecord): MergeRow {
  return { issueId: r.issue_id, branch: r.branch, state: r.state, queuedAt: r.queued_at, endedAt: r.ended_at, reason: r.reason, url: r.url, result: r.result };
}
