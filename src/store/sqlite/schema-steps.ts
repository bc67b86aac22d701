/** The schema's later steps, in order: each the SQL one migration runs (listed in migrations.ts). */
/**
 * What `harness metrics` reads, kept cheap so a store of a million sessions
 * is summarised in milliseconds:
 * - session_totals and issue_totals hold counts (and duration sums) per
 *   outcome and per status, kept current by triggers in the same
 *   transaction as every write, so all-time figures are a few row reads;
 * - counts and duration sums over a range of end times (--since, the
 *   throughput and health windows) seek idx_sessions_outcome_ended once per
 *   outcome, and read every column they use from the index;
 * - nearest-rank percentiles step through idx_sessions_counted_duration in
 *   duration order (LIMIT 1 OFFSET k from whichever end is nearer); it holds
 *   only the outcomes that count. Its IN list must stay identical to the
 *   one in src/metrics/queries.ts, or SQLite cannot use the partial index.
 * A duration is ended_at − started_at, and a negative one (a clock step)
 * counts as 0, as it does in the ScaleManager. The triggers coalesce every
 * value so they can never fail a write of the store itself.
 * `workers.retire_reason` keeps why a worker left (recycled, scale-down,
 * drained) so recycles can be listed; it is NULL for rows written before.
 */
export const METRICS_AGGREGATES = `
CREATE INDEX idx_sessions_outcome_ended ON sessions (outcome, ended_at, started_at);
CREATE INDEX idx_sessions_counted_duration ON sessions (duration_ms, ended_at)
  WHERE outcome IN ('success', 'failure', 'stalled', 'timeout');

CREATE TABLE session_totals (
  outcome      TEXT PRIMARY KEY,
  sessions     INTEGER NOT NULL,
  duration_ms  INTEGER NOT NULL
);
INSERT INTO session_totals (outcome, sessions, duration_ms)
  SELECT outcome, count(*), coalesce(sum(max(coalesce(ended_at - started_at, 0), 0)), 0)
  FROM sessions WHERE outcome IS NOT NULL GROUP BY outcome;
CREATE TRIGGER session_totals_insert AFTER INSERT ON sessions WHEN NEW.outcome IS NOT NULL BEGIN
  INSERT INTO session_totals (outcome, sessions, duration_ms)
    VALUES (NEW.outcome, 1, max(coalesce(NEW.ended_at - NEW.started_at, 0), 0))
    ON CONFLICT (outcome) DO UPDATE SET sessions = sessions + 1, duration_ms = duration_ms + excluded.duration_ms;
END;
-- Not on last_progress_at or pid: progress is written every few seconds and does not change a total.
CREATE TRIGGER session_totals_update AFTER UPDATE OF outcome, started_at, ended_at ON sessions BEGIN
  UPDATE session_totals
    SET sessions = sessions - 1, duration_ms = duration_ms - max(coalesce(OLD.ended_at - OLD.started_at, 0), 0)
    WHERE outcome = OLD.outcome;
  INSERT INTO session_totals (outcome, sessions, duration_ms)
    SELECT NEW.outcome, 1, max(coalesce(NEW.ended_at - NEW.started_at, 0), 0) WHERE NEW.outcome IS NOT NULL
    ON CONFLICT (outcome) DO UPDATE SET sessions = sessions + 1, duration_ms = duration_ms + excluded.duration_ms;
END;
CREATE TRIGGER session_totals_delete AFTER DELETE ON sessions WHEN OLD.outcome IS NOT NULL BEGIN
  UPDATE session_totals
    SET sessions = sessions - 1, duration_ms = duration_ms - max(coalesce(OLD.ended_at - OLD.started_at, 0), 0)
    WHERE outcome = OLD.outcome;
END;

CREATE TABLE issue_totals (
  status  TEXT PRIMARY KEY,
  issues  INTEGER NOT NULL
);
INSERT INTO issue_totals (status, issues) SELECT status, count(*) FROM issues GROUP BY status;
CREATE TRIGGER issue_totals_insert AFTER INSERT ON issues BEGIN
  INSERT INTO issue_totals (status, issues) VALUES (NEW.status, 1)
    ON CONFLICT (status) DO UPDATE SET issues = issues + 1;
END;
CREATE TRIGGER issue_totals_update AFTER UPDATE OF status ON issues WHEN OLD.status IS NOT NEW.status BEGIN
  UPDATE issue_totals SET issues = issues - 1 WHERE status = OLD.status;
  INSERT INTO issue_totals (status, issues) VALUES (NEW.status, 1)
    ON CONFLICT (status) DO UPDATE SET issues = issues + 1;
END;
CREATE TRIGGER issue_totals_delete AFTER DELETE ON issues BEGIN
  UPDATE issue_totals SET issues = issues - 1 WHERE status = OLD.status;
END;

ALTER TABLE workers ADD COLUMN retire_reason TEXT;
`;

/**
 * The merge queue: one row per branch waiting to land (src/merge/states.ts).
 * Entries are served in id order, so the queue is first in, first out.
 */
export const MERGE_QUEUE = `
CREATE TABLE merge_entries (
  id           INTEGER PRIMARY KEY,
  issue_id     TEXT NOT NULL REFERENCES issues (id),
  branch       TEXT NOT NULL,
  head         TEXT,
  state        TEXT NOT NULL,
  queued_at    INTEGER NOT NULL,
  started_at   INTEGER,
  ended_at     INTEGER,
  base         TEXT,
  result       TEXT,
  reason       TEXT,
  url          TEXT,
  verify_pid   INTEGER,
  verify_pgid  INTEGER
);
-- nextMerges and mergeDepth walk this index: entries of one state in id order.
CREATE INDEX idx_merge_entries_state ON merge_entries (state, id);
CREATE INDEX idx_merge_entries_issue ON merge_entries (issue_id, state);
`;

/**
 * Two indexes of the first schema that no query uses any more: outcome
 * queries walk idx_sessions_outcome_ended and duration queries
 * idx_sessions_counted_duration (version 2). Each cost every session start
 * and end an index update.
 */
export const DROP_UNUSED_SESSION_INDEXES = `
DROP INDEX IF EXISTS idx_sessions_outcome;
DROP INDEX IF EXISTS idx_sessions_duration;
`;

/**
 * What version 5 adds:
 * - the run lock records its holder's process identity (boot and start
 *   time, see src/runtime/processes.ts), so a pid that another process took
 *   over after the harness died, or after a reboot, no longer holds the lock;
 * - issues count attempts spent before they were last retried
 *   (`harness retry`), so a retry gets a fresh budget while its sessions
 *   keep being numbered after the earlier ones;
 * - the file is marked as a harness state (`PRAGMA application_id`), so
 *   another program's SQLite file is recognised as such.
 */
export const HARNESS_APPLICATION_ID = 0x48524e53; // "HRNS"

export const PROCESS_IDENTITY_AND_RETRIES = `
ALTER TABLE run_lock ADD COLUMN process_start TEXT;
ALTER TABLE issues ADD COLUMN prior_attempts INTEGER NOT NULL DEFAULT 0;
`;

/**
 * Health counts stall detections in its window, as the running harness
 * does: the time of the detection is kept with the session. Stalls found
 * before this step ended their sessions as `stalled`; their end stands in.
 */
export const STALL_DETECTIONS = `
ALTER TABLE sessions ADD COLUMN stalled_at INTEGER;
UPDATE sessions SET stalled_at = ended_at WHERE outcome = 'stalled';
CREATE INDEX idx_sessions_stalled ON sessions (stalled_at) WHERE stalled_at IS NOT NULL;
`;

/**
 * What an agent reports of a session (read from its event stream), what
 * each issue and the whole state have spent (kept in step by the store in
 * the transaction that ends a session, so a budget can be checked without
 * a scan), which agent conversation an issue's next session resumes, and
 * the fleet's holds.
 */
export const AGENT_USAGE_AND_HOLDS = `
ALTER TABLE sessions ADD COLUMN agent_session_id TEXT;
ALTER TABLE sessions ADD COLUMN model TEXT;
ALTER TABLE sessions ADD COLUMN turns INTEGER;
ALTER TABLE sessions ADD COLUMN cost_usd REAL;
ALTER TABLE sessions ADD COLUMN input_tokens INTEGER;
ALTER TABLE sessions ADD COLUMN output_tokens INTEGER;
ALTER TABLE sessions ADD COLUMN cache_read_tokens INTEGER;
ALTER TABLE sessions ADD COLUMN cache_write_tokens INTEGER;
ALTER TABLE sessions ADD COLUMN agent_error TEXT;
ALTER TABLE issues ADD COLUMN resume_from TEXT;
ALTER TABLE issues ADD COLUMN spent_usd REAL NOT NULL DEFAULT 0;
ALTER TABLE issues ADD COLUMN spent_tokens INTEGER NOT NULL DEFAULT 0;
CREATE TABLE spend_totals (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  cost_usd       REAL NOT NULL DEFAULT 0,
  input_tokens   INTEGER NOT NULL DEFAULT 0,
  output_tokens  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO spend_totals (id) VALUES (1);
CREATE TABLE holds (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  kind      TEXT NOT NULL,
  reason    TEXT NOT NULL,
  fix       TEXT NOT NULL,
  since     INTEGER NOT NULL,
  until     INTEGER,
  ended_at  INTEGER,
  ended_by  TEXT
);
CREATE INDEX idx_holds_active ON holds (kind) WHERE ended_at IS NULL;
`;

/**
 * What version 9 adds, for watching and steering a run from another
 * process (the dashboard):
 * - a running session keeps its agent's latest activity (a message, a tool
 *   call) and when it was recorded; while it runs, its cost and token
 *   columns hold what its agent has reported so far (its end writes the
 *   final figures, and only the end adds them to spend_totals);
 * - operators' requests to the running harness (pause, resume, cancel a
 *   session, retry an issue, lift a hold): posted pending, taken once by
 *   the run, answered with what came of them;
 * - issues indexed by when they last changed, for a table of the latest.
 */
export const DASHBOARD_CONTROLS = `
ALTER TABLE sessions ADD COLUMN last_activity TEXT;
ALTER TABLE sessions ADD COLUMN last_activity_at INTEGER;
CREATE TABLE control_requests (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  kind          TEXT NOT NULL,
  target        TEXT,
  requested_at  INTEGER NOT NULL,
  requested_by  TEXT NOT NULL,
  taken_at      INTEGER,
  answered_at   INTEGER,
  applied       INTEGER,
  result        TEXT
);
-- The dashboard's issue table lists the latest changed first, and notices a change, through this index.
CREATE INDEX idx_issues_updated ON issues (updated_at);
-- takeControls walks the pending requests only.
CREATE INDEX idx_control_requests_pending ON control_requests (id) WHERE taken_at IS NULL;
`;

/**
 * What version 10 adds: reports owed to the trackers issues came from (beads,
 * GitHub), kept with the outcomes they report.
 * - tracked_issues marks an issue as a tracker's, with its link; an id may be
 *   marked before it is imported, so it is a table of its own rather than a
 *   column the import must fill;
 * - outbox holds one report per outcome, queued by a trigger in the
 *   transaction that changes the status to done or failed (whatever
 *   made the change), so a crash keeps both or neither. The trigger's WHEN
 *   tests the new status first and then does one primary-key lookup in
 *   tracked_issues: an untracked issue's end costs no more than that.
 * - idx_outbox_unsettled holds the reports still to send; its IN list must
 *   stay identical to the one in the unsettled query (outbox-statements.ts), which names it (INDEXED BY),
 *   or SQLite cannot use the partial index.
 */
export const TRACKER_OUTBOX = `
CREATE TABLE tracked_issues (
  issue_id  TEXT PRIMARY KEY,
  source    TEXT NOT NULL,
  url       TEXT
) WITHOUT ROWID;
CREATE TABLE outbox (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  issue_id         TEXT NOT NULL REFERENCES issues (id),
  source           TEXT NOT NULL,
  url              TEXT,
  kind             TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  state            TEXT NOT NULL DEFAULT 'pending',
  attempts         INTEGER NOT NULL DEFAULT 0,
  last_attempt_at  INTEGER,
  settled_at       INTEGER,
  error            TEXT
);
CREATE INDEX idx_outbox_unsettled ON outbox (id) WHERE state IN ('pending', 'sending');
-- reportCounts, listReports by state and the check of known states read this index.
CREATE INDEX idx_outbox_state ON outbox (state, id);
CREATE TRIGGER outbox_outcome_update AFTER UPDATE OF status ON issues
  WHEN NEW.status IN ('done', 'failed') AND OLD.status IS NOT NEW.status
    AND EXISTS (SELECT 1 FROM tracked_issues WHERE issue_id = NEW.id)
BEGIN
  INSERT INTO outbox (issue_id, source, url, kind, created_at)
    SELECT NEW.id, source, url, NEW.status, NEW.updated_at FROM tracked_issues WHERE issue_id = NEW.id;
END;
-- Issues that never ran (a blocker failed) may be inserted failed.
CREATE TRIGGER outbox_outcome_insert AFTER INSERT ON issues
  WHEN NEW.status IN ('done', 'failed') AND EXISTS (SELECT 1 FROM tracked_issues WHERE issue_id = NEW.id)
BEGIN
  INSERT INTO outbox (issue_id, source, url, kind, created_at)
    SELECT NEW.id, source, url, NEW.status, NEW.updated_at FROM tracked_issues WHERE issue_id = NEW.id;
END;
`;
