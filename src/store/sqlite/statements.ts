import type Database from 'better-sqlite3';
import {
  CONTROL_COLUMNS,
  ISSUE_COLUMNS,
  MERGE_ENTRY_COLUMNS,
  SESSION_COLUMNS,
  SNAPSHOT_COLUMNS as SNAPSHOT_COLUMN_NAMES,
  type BackpressureRecord,
  type ControlRequestRecord,
  type HoldRecord,
  type IssueRecord,
  type MergeEntryRecord,
  type RunLockRecord,
  type ScaleOperationRecord,
  type SessionRecord,
  type SnapshotRecord,
  type WorkerRecord,
} from './rows.js';
import { prepareOutboxStatements } from './outbox-statements.js';

const SNAPSHOT_COLUMNS = SNAPSHOT_COLUMN_NAMES.join(', ');

/** A statement that reads rows: the part of better-sqlite3's Statement the store uses. */
export interface Query<P extends unknown[], R> {
  get(...params: P): R | undefined;
  all(...params: P): R[];
}

/** A statement that writes. */
export interface Command<P extends unknown[]> {
  run(...params: P): { changes: number; lastInsertRowid: number | bigint };
}

/** Parameters of an issue's status change. */
export interface IssueStateParams {
  id: string;
  status: string;
  attempts: number;
  prior_attempts: number;
  not_before: number | null;
  last_error: string | null;
  branch: string | null;
  resume_from: string | null;
  spent_usd: number;
  spent_tokens: number;
  updated_at: number;
}

/** Every statement the store runs, prepared once when it opens. Values are always bound, never spliced into SQL. */
export function prepareStatements(db: Database.Database) {
  const query = <P extends unknown[], R>(sql: string): Query<P, R> => db.prepare<P, R>(sql);
  const command = <P extends unknown[]>(sql: string): Command<P> => db.prepare<P>(sql);
  return {
    maxSeq: query<[], { seq: number | null }>('SELECT max(seq) AS seq FROM issues'),
    insertIssue: command<[Omit<IssueRecord, 'attempts' | 'prior_attempts' | 'not_before' | 'last_error' | 'branch' | 'resume_from' | 'spent_usd' | 'spent_tokens'>]>(
      `INSERT INTO issues (id, title, body, priority, labels, status, attempts, seq, created_at, updated_at)
       VALUES (@id, @title, @body, @priority, @labels, @status, 0, @seq, @created_at, @updated_at)
       ON CONFLICT (id) DO NOTHING`,
    ),
    // An issue that will never run (a blocker failed), recorded failed (failUnrun); the import above stays as lean as it was.
    insertUnrunIssue: command<[Omit<IssueRecord, 'status' | 'attempts' | 'prior_attempts' | 'not_before' | 'branch' | 'resume_from' | 'spent_usd' | 'spent_tokens'>]>(
      `INSERT INTO issues (id, title, body, priority, labels, status, attempts, seq, created_at, updated_at, last_error)
       VALUES (@id, @title, @body, @priority, @labels, 'failed', 0, @seq, @created_at, @updated_at, @last_error)`,
    ),
    getIssue: query<[string], IssueRecord>(`SELECT ${ISSUE_COLUMNS} FROM issues WHERE id = ?`),
    listIssues: query<[], IssueRecord>(`SELECT ${ISSUE_COLUMNS} FROM issues ORDER BY priority, seq`),
    listIssuesByStatus: query<[string], IssueRecord>(
      `SELECT ${ISSUE_COLUMNS} FROM issues WHERE status = ? ORDER BY priority, seq`,
    ),
    countIssues: query<[], { status: string; n: number }>(
      // Kept current by triggers (migration 2), so this does not scan the issues.
      'SELECT status, issues AS n FROM issue_totals',
    ),
    backlogHead: query<[number], IssueRecord>(
      `SELECT ${ISSUE_COLUMNS} FROM issues WHERE status = 'backlog' ORDER BY priority, seq LIMIT ?`,
    ),
    nextQueued: query<[number], IssueRecord>(
      `SELECT ${ISSUE_COLUMNS} FROM issues
       WHERE status = 'queued' AND (not_before IS NULL OR not_before <= ?)
       ORDER BY priority, seq LIMIT 1`,
    ),
    queuedReady: query<[string, number], IssueRecord>(
      `SELECT ${ISSUE_COLUMNS} FROM issues WHERE id = ? AND status = 'queued' AND (not_before IS NULL OR not_before <= ?)`,
    ),
    nextRetryAt: query<[], { at: number | null }>(
      "SELECT min(not_before) AS at FROM issues WHERE status = 'queued' AND not_before IS NOT NULL",
    ),
    // Every status change of an issue: the fields come from src/store/transitions.ts, which checks the move.
    setIssueState: command<[IssueStateParams]>(
      `UPDATE issues SET status = @status, attempts = @attempts, prior_attempts = @prior_attempts, not_before = @not_before,
         last_error = @last_error, branch = @branch, resume_from = @resume_from, spent_usd = @spent_usd, spent_tokens = @spent_tokens,
         updated_at = @updated_at
       WHERE id = @id`,
    ),
    setResumeFrom: command<[string | null, string]>('UPDATE issues SET resume_from = ? WHERE id = ?'),
    spendTotals: query<[], { cost_usd: number; input_tokens: number; output_tokens: number }>(
      'SELECT cost_usd, input_tokens, output_tokens FROM spend_totals WHERE id = 1',
    ),
    addSpend: command<[number, number, number]>(
      'UPDATE spend_totals SET cost_usd = cost_usd + ?, input_tokens = input_tokens + ?, output_tokens = output_tokens + ? WHERE id = 1',
    ),

    insertSession: command<[Pick<SessionRecord, 'id' | 'issue_id' | 'worker_id' | 'attempt' | 'started_at' | 'log_path'>]>(
      `INSERT INTO sessions (id, issue_id, worker_id, attempt, started_at, last_progress_at, log_path)
       VALUES (@id, @issue_id, @worker_id, @attempt, @started_at, @started_at, @log_path)`,
    ),
    getSession: query<[string], SessionRecord>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = ?`),
    setSessionProcess: command<[number, number, string]>('UPDATE sessions SET pid = ?, pgid = ? WHERE id = ?'),
    touchSession: command<[number, string]>('UPDATE sessions SET last_progress_at = ? WHERE id = ?'),
    markStalled: command<[number, string]>('UPDATE sessions SET stalled_at = ? WHERE id = ? AND stalled_at IS NULL'),
    endSession: command<[Omit<SessionRecord, 'issue_id' | 'worker_id' | 'attempt' | 'pid' | 'pgid' | 'started_at' | 'last_progress_at' | 'stalled_at' | 'log_path'>]>(
      `UPDATE sessions SET ended_at = @ended_at, outcome = @outcome, exit_code = @exit_code, signal = @signal, reason = @reason,
         agent_session_id = coalesce(@agent_session_id, agent_session_id), model = coalesce(@model, model), turns = @turns,
         cost_usd = @cost_usd, input_tokens = @input_tokens, output_tokens = @output_tokens,
         cache_read_tokens = @cache_read_tokens, cache_write_tokens = @cache_write_tokens, agent_error = @agent_error
       WHERE id = @id`,
    ),
    recordActivity: command<[{ id: string; at: number; text: string | null; cost_usd: number | null; input_tokens: number; output_tokens: number; cache_read_tokens: number; cache_write_tokens: number }]>(
      `UPDATE sessions SET last_activity = coalesce(@text, last_activity), last_activity_at = @at, cost_usd = @cost_usd,
         input_tokens = @input_tokens, output_tokens = @output_tokens, cache_read_tokens = @cache_read_tokens, cache_write_tokens = @cache_write_tokens
       WHERE id = @id AND ended_at IS NULL`,
    ),
    setAgentSession: command<[string, string | null, string]>('UPDATE sessions SET agent_session_id = ?, model = coalesce(?, model) WHERE id = ?'),
    insertHold: command<[Omit<HoldRecord, 'ended_at' | 'ended_by'>]>(
      'INSERT INTO holds (kind, reason, fix, since, until) VALUES (@kind, @reason, @fix, @since, @until)',
    ),
    endHold: command<[number, string, string]>('UPDATE holds SET ended_at = ?, ended_by = ? WHERE kind = ? AND ended_at IS NULL'),
    listHolds: query<[], HoldRecord>('SELECT kind, reason, fix, since, until, ended_at, ended_by FROM holds ORDER BY since, id'),
    activeHolds: query<[], HoldRecord>('SELECT kind, reason, fix, since, until, ended_at, ended_by FROM holds WHERE ended_at IS NULL ORDER BY since, id'),
    openSessions: query<[], SessionRecord>(
      `SELECT ${SESSION_COLUMNS} FROM sessions WHERE ended_at IS NULL ORDER BY started_at, rowid`,
    ),
    sessionsForIssue: query<[string], SessionRecord>(
      `SELECT ${SESSION_COLUMNS} FROM sessions WHERE issue_id = ? ORDER BY started_at, attempt`,
    ),
    finishedSessions: query<[number], SessionRecord>(
      `SELECT ${SESSION_COLUMNS} FROM sessions WHERE ended_at >= ? ORDER BY ended_at, rowid`,
    ),

    upsertWorker: command<[WorkerRecord]>(
      `INSERT INTO workers (id, state, sessions_run, created_at, retired_at, retire_reason)
       VALUES (@id, @state, @sessions_run, @created_at, @retired_at, @retire_reason)
       ON CONFLICT (id) DO UPDATE SET
         state = excluded.state, sessions_run = excluded.sessions_run,
         created_at = excluded.created_at, retired_at = excluded.retired_at,
         retire_reason = excluded.retire_reason`,
    ),
    lastWorkerNumber: query<[], { n: number | null }>(
      "SELECT max(CAST(substr(id, 8) AS INTEGER)) AS n FROM workers WHERE id GLOB 'worker-[0-9]*'",
    ),
    listWorkers: query<[], WorkerRecord>(
      'SELECT id, state, sessions_run, created_at, retired_at, retire_reason FROM workers ORDER BY created_at, id',
    ),
    insertScaleOperation: command<[ScaleOperationRecord]>(
      `INSERT INTO scale_operations (at, direction, from_count, to_count, reason)
       VALUES (@at, @direction, @from_count, @to_count, @reason)`,
    ),
    listScaleOperations: query<[number], ScaleOperationRecord>(
      'SELECT at, direction, from_count, to_count, reason FROM scale_operations WHERE at >= ? ORDER BY at, id',
    ),
    insertBackpressure: command<[BackpressureRecord]>(
      'INSERT INTO backpressure_changes (at, active, queue_depth) VALUES (@at, @active, @queue_depth)',
    ),
    listBackpressure: query<[number], BackpressureRecord>(
      'SELECT at, active, queue_depth FROM backpressure_changes WHERE at >= ? ORDER BY at, id',
    ),
    insertSnapshot: command<[SnapshotRecord]>(
      `INSERT INTO metric_snapshots (${SNAPSHOT_COLUMNS}) VALUES (${SNAPSHOT_COLUMNS.replace(/(\w+)/g, '@$1')})`,
    ),
    listSnapshots: query<[number], SnapshotRecord>(
      `SELECT ${SNAPSHOT_COLUMNS} FROM metric_snapshots WHERE at >= ? ORDER BY at, id`,
    ),

    insertMergeEntry: command<[Pick<MergeEntryRecord, 'issue_id' | 'branch' | 'head' | 'queued_at'>]>(
      `INSERT INTO merge_entries (issue_id, branch, head, state, queued_at)
       VALUES (@issue_id, @branch, @head, 'queued', @queued_at)`,
    ),
    supersedeMergeEntries: command<[{ issue_id: string; now: number; reason: string }]>(
      `UPDATE merge_entries SET state = 'rejected', ended_at = @now, reason = @reason
       WHERE issue_id = @issue_id AND state IN ('queued', 'merging')`,
    ),
    getMergeEntry: query<[number], MergeEntryRecord>(`SELECT ${MERGE_ENTRY_COLUMNS} FROM merge_entries WHERE id = ?`),
    nextMergeEntries: query<[number], MergeEntryRecord>(
      `SELECT ${MERGE_ENTRY_COLUMNS} FROM merge_entries WHERE state = 'queued' ORDER BY id LIMIT ?`,
    ),
    listMergeEntries: query<[], MergeEntryRecord>(`SELECT ${MERGE_ENTRY_COLUMNS} FROM merge_entries ORDER BY id`),
    listMergeEntriesByState: query<[string], MergeEntryRecord>(
      `SELECT ${MERGE_ENTRY_COLUMNS} FROM merge_entries WHERE state = ? ORDER BY id`,
    ),
    updateMergeEntry: command<[MergeEntryRecord]>(
      `UPDATE merge_entries SET
         state = @state, started_at = @started_at, ended_at = @ended_at, base = @base, result = @result,
         reason = @reason, url = @url, verify_pid = @verify_pid, verify_pgid = @verify_pgid
       WHERE id = @id`,
    ),
    mergeDepth: query<[], { n: number }>(
      "SELECT count(*) AS n FROM merge_entries WHERE state IN ('queued', 'merging')",
    ),

    insertControl: command<[Pick<ControlRequestRecord, 'kind' | 'target' | 'requested_at' | 'requested_by'>]>(
      'INSERT INTO control_requests (kind, target, requested_at, requested_by) VALUES (@kind, @target, @requested_at, @requested_by)',
    ),
    getControl: query<[number | bigint], ControlRequestRecord>(`SELECT ${CONTROL_COLUMNS} FROM control_requests WHERE id = ?`),
    pendingControls: query<[], ControlRequestRecord>(`SELECT ${CONTROL_COLUMNS} FROM control_requests WHERE taken_at IS NULL ORDER BY id`),
    takeControl: command<[number, number]>('UPDATE control_requests SET taken_at = ? WHERE id = ? AND taken_at IS NULL'),
    answerControl: command<[number, number, string, number]>('UPDATE control_requests SET answered_at = ?, applied = ?, result = ? WHERE id = ?'),
    latestControls: query<[number], ControlRequestRecord>(`SELECT ${CONTROL_COLUMNS} FROM control_requests ORDER BY id DESC LIMIT ?`),

    getRunLock: query<[], RunLockRecord>('SELECT pid, hostname, started_at, heartbeat_at, process_start FROM run_lock WHERE id = 1'),
    claimRunLock: command<[RunLockRecord]>(
      `INSERT INTO run_lock (id, pid, hostname, started_at, heartbeat_at, process_start)
       VALUES (1, @pid, @hostname, @started_at, @heartbeat_at, @process_start)
       ON CONFLICT (id) DO UPDATE SET
         pid = excluded.pid, hostname = excluded.hostname,
         started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at,
         process_start = excluded.process_start`,
    ),
    heartbeatRunLock: command<[number, number]>('UPDATE run_lock SET heartbeat_at = ? WHERE pid = ?'),
    releaseRunLock: command<[number]>('DELETE FROM run_lock WHERE pid = ?'),

    ...prepareOutboxStatements(db),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
