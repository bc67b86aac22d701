/** The schema's first step: every table a harness state starts with. */
export const INITIAL_SCHEMA = `
CREATE TABLE issues (
  id          TEXT PRIMARY KEY,
  title       TEXT NOT NULL,
  body        TEXT NOT NULL,
  priority    INTEGER NOT NULL,
  labels      TEXT NOT NULL DEFAULT '[]',
  status      TEXT NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  seq         INTEGER NOT NULL UNIQUE,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  not_before  INTEGER,
  last_error  TEXT,
  branch      TEXT
);
-- admit (backlog) and nextQueued (queued) walk this index in dispatch order.
CREATE INDEX idx_issues_dispatch ON issues (status, priority, seq);
-- nextRetryAt: min(not_before) among queued issues without a scan.
CREATE INDEX idx_issues_retry ON issues (status, not_before);

CREATE TABLE sessions (
  id                TEXT PRIMARY KEY,
  issue_id          TEXT NOT NULL REFERENCES issues (id),
  worker_id         TEXT NOT NULL,
  attempt           INTEGER NOT NULL,
  pid               INTEGER,
  pgid              INTEGER,
  started_at        INTEGER NOT NULL,
  last_progress_at  INTEGER NOT NULL,
  ended_at          INTEGER,
  outcome           TEXT,
  exit_code         INTEGER,
  signal            TEXT,
  log_path          TEXT,
  reason            TEXT,
  -- Kept as a column so percentile queries can walk an index instead of sorting.
  duration_ms       INTEGER GENERATED ALWAYS AS (ended_at - started_at) VIRTUAL
);
CREATE INDEX idx_sessions_ended ON sessions (ended_at);
CREATE INDEX idx_sessions_issue ON sessions (issue_id, started_at, attempt);
CREATE INDEX idx_sessions_outcome ON sessions (outcome);
CREATE INDEX idx_sessions_duration ON sessions (duration_ms) WHERE duration_ms IS NOT NULL;
CREATE INDEX idx_sessions_open ON sessions (started_at) WHERE ended_at IS NULL;

CREATE TABLE workers (
  id            TEXT PRIMARY KEY,
  state         TEXT NOT NULL,
  sessions_run  INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  retired_at    INTEGER
);

CREATE TABLE scale_operations (
  id         INTEGER PRIMARY KEY,
  at         INTEGER NOT NULL,
  direction  TEXT NOT NULL,
  from_count INTEGER NOT NULL,
  to_count   INTEGER NOT NULL,
  reason     TEXT NOT NULL
);
CREATE INDEX idx_scale_operations_at ON scale_operations (at);

CREATE TABLE backpressure_changes (
  id           INTEGER PRIMARY KEY,
  at           INTEGER NOT NULL,
  active       INTEGER NOT NULL,
  queue_depth  INTEGER NOT NULL
);
CREATE INDEX idx_backpressure_changes_at ON backpressure_changes (at);

CREATE TABLE metric_snapshots (
  id                        INTEGER PRIMARY KEY,
  at                        INTEGER NOT NULL,
  current_workers           INTEGER NOT NULL,
  active_workers            INTEGER NOT NULL,
  idle_workers              INTEGER NOT NULL,
  stalled_workers           INTEGER NOT NULL,
  queue_depth               INTEGER NOT NULL,
  merge_queue_depth         INTEGER NOT NULL,
  throughput_per_minute     REAL NOT NULL,
  avg_session_duration_ms   REAL NOT NULL,
  p95_session_duration_ms   REAL NOT NULL,
  p99_session_duration_ms   REAL NOT NULL,
  success_rate              REAL NOT NULL,
  total_sessions_completed  INTEGER NOT NULL,
  total_sessions_failed     INTEGER NOT NULL,
  health                    TEXT NOT NULL,
  backpressure_active       INTEGER NOT NULL,
  scale_operations          INTEGER NOT NULL
);
CREATE INDEX idx_metric_snapshots_at ON metric_snapshots (at);

CREATE TABLE run_lock (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  pid           INTEGER NOT NULL,
  hostname      TEXT NOT NULL,
  started_at    INTEGER NOT NULL,
  heartbeat_at  INTEGER NOT NULL
);
`;
