/**
 * The PostgreSQL schema's first version: the tables of the SQLite schema at
 * its version 10, written for PostgreSQL. Differences, and why:
 * - times are `double precision`: they are JavaScript numbers (epoch ms),
 *   and a virtual clock's fractional times must round-trip as they do in
 *   SQLite; counts and ids that only grow are `bigint`;
 * - ids compare byte by byte (`COLLATE "C"`), as SQLite's do, whatever
 *   the database's locale;
 * - every column holding a named state has a CHECK listing the states, so
 *   a row this harness does not know can never be written (SQLite checks
 *   them when it opens). The lists are the `as const` tables of their
 *   time, written out: a test holds them equal to the tables today, so a
 *   new state comes with a new schema version;
 * - issue seq comes from a sequence and every log table has an identity
 *   column, so coordinators importing at once never pick the same number;
 * - counts of issues by status are not kept in one totals table by
 *   triggers, as in SQLite: a row every status change updates would
 *   serialise every coordinator's transactions on it (and deadlock those
 *   that update two such rows in opposite orders). Step 3
 *   (schema-counts.ts) keeps them in shards instead. The SQLite
 *   aggregates of `harness metrics` (session_totals, the duration
 *   indexes) are not here;
 * - the outbox is filled by a trigger, in the transaction of the status
 *   change it reports, exactly as in SQLite (schema step 10).
 */
export const SCHEMA_V1 = `
CREATE SEQUENCE issue_seq;
CREATE TABLE issues (
  id              TEXT COLLATE "C" PRIMARY KEY,
  title           TEXT NOT NULL,
  body            TEXT NOT NULL,
  priority        BIGINT NOT NULL,
  labels          TEXT NOT NULL DEFAULT '[]',
  status          TEXT NOT NULL CHECK (status IN ('backlog', 'queued', 'running', 'merging', 'done', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  prior_attempts  INTEGER NOT NULL DEFAULT 0,
  seq             BIGINT NOT NULL UNIQUE,
  created_at      DOUBLE PRECISION NOT NULL,
  updated_at      DOUBLE PRECISION NOT NULL,
  not_before      DOUBLE PRECISION,
  last_error      TEXT,
  branch          TEXT,
  resume_from     TEXT,
  spent_usd       DOUBLE PRECISION NOT NULL DEFAULT 0,
  spent_tokens    BIGINT NOT NULL DEFAULT 0
);
-- admit (backlog) and claim (queued) walk this index in dispatch order; the counts read it too.
CREATE INDEX issues_dispatch ON issues (status, priority, seq);
-- The queue view's next retry: min(not_before) among queued issues, without a scan.
CREATE INDEX issues_retry ON issues (not_before) WHERE status = 'queued' AND not_before IS NOT NULL;
CREATE INDEX issues_updated ON issues (updated_at);

CREATE TABLE sessions (
  id                  TEXT COLLATE "C" PRIMARY KEY,
  -- Start order: the tie-breaker SQLite gets from rowid.
  n                   BIGINT GENERATED ALWAYS AS IDENTITY,
  issue_id            TEXT COLLATE "C" NOT NULL REFERENCES issues (id),
  worker_id           TEXT NOT NULL,
  attempt             INTEGER NOT NULL,
  pid                 INTEGER,
  pgid                INTEGER,
  started_at          DOUBLE PRECISION NOT NULL,
  last_progress_at    DOUBLE PRECISION NOT NULL,
  stalled_at          DOUBLE PRECISION,
  ended_at            DOUBLE PRECISION,
  outcome             TEXT CHECK (outcome IN ('success', 'failure', 'stalled', 'timeout', 'cancelled', 'lost', 'held')),
  exit_code           INTEGER,
  signal              TEXT,
  log_path            TEXT,
  reason              TEXT,
  agent_session_id    TEXT,
  model               TEXT,
  turns               INTEGER,
  cost_usd            DOUBLE PRECISION,
  input_tokens        BIGINT,
  output_tokens       BIGINT,
  cache_read_tokens   BIGINT,
  cache_write_tokens  BIGINT,
  agent_error         TEXT,
  last_activity       TEXT,
  last_activity_at    DOUBLE PRECISION
);
CREATE INDEX sessions_issue ON sessions (issue_id, started_at, attempt);
CREATE INDEX sessions_ended ON sessions (ended_at, n) WHERE ended_at IS NOT NULL;
CREATE INDEX sessions_open ON sessions (started_at, n) WHERE ended_at IS NULL;

CREATE TABLE spend_totals (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  cost_usd       DOUBLE PRECISION NOT NULL DEFAULT 0,
  input_tokens   BIGINT NOT NULL DEFAULT 0,
  output_tokens  BIGINT NOT NULL DEFAULT 0
);
INSERT INTO spend_totals (id) VALUES (1);

CREATE TABLE workers (
  id             TEXT COLLATE "C" PRIMARY KEY,
  state          TEXT NOT NULL CHECK (state IN ('idle', 'busy', 'draining', 'retired')),
  sessions_run   INTEGER NOT NULL,
  created_at     DOUBLE PRECISION NOT NULL,
  retired_at     DOUBLE PRECISION,
  retire_reason  TEXT
);

CREATE TABLE scale_operations (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at          DOUBLE PRECISION NOT NULL,
  direction   TEXT NOT NULL,
  from_count  INTEGER NOT NULL,
  to_count    INTEGER NOT NULL,
  reason      TEXT NOT NULL
);
CREATE INDEX scale_operations_at ON scale_operations (at, id);

CREATE TABLE backpressure_changes (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at           DOUBLE PRECISION NOT NULL,
  active       BOOLEAN NOT NULL,
  queue_depth  INTEGER NOT NULL
);
CREATE INDEX backpressure_changes_at ON backpressure_changes (at, id);

CREATE TABLE metric_snapshots (
  id                        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at                        DOUBLE PRECISION NOT NULL,
  current_workers           INTEGER NOT NULL,
  active_workers            INTEGER NOT NULL,
  idle_workers              INTEGER NOT NULL,
  stalled_workers           INTEGER NOT NULL,
  queue_depth               INTEGER NOT NULL,
  merge_queue_depth         INTEGER NOT NULL,
  throughput_per_minute     DOUBLE PRECISION NOT NULL,
  avg_session_duration_ms   DOUBLE PRECISION NOT NULL,
  p95_session_duration_ms   DOUBLE PRECISION NOT NULL,
  p99_session_duration_ms   DOUBLE PRECISION NOT NULL,
  success_rate              DOUBLE PRECISION NOT NULL,
  total_sessions_completed  INTEGER NOT NULL,
  total_sessions_failed     INTEGER NOT NULL,
  health                    TEXT NOT NULL,
  backpressure_active       BOOLEAN NOT NULL,
  scale_operations          INTEGER NOT NULL
);
CREATE INDEX metric_snapshots_at ON metric_snapshots (at, id);

CREATE TABLE holds (
  id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind      TEXT NOT NULL,
  reason    TEXT NOT NULL,
  fix       TEXT NOT NULL,
  since     DOUBLE PRECISION NOT NULL,
  until     DOUBLE PRECISION,
  ended_at  DOUBLE PRECISION,
  ended_by  TEXT
);
CREATE INDEX holds_active ON holds (kind) WHERE ended_at IS NULL;

CREATE TABLE run_lock (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  pid            INTEGER NOT NULL,
  hostname       TEXT NOT NULL,
  started_at     DOUBLE PRECISION NOT NULL,
  heartbeat_at   DOUBLE PRECISION NOT NULL,
  process_start  TEXT
);

CREATE TABLE merge_entries (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  issue_id     TEXT COLLATE "C" NOT NULL REFERENCES issues (id),
  branch       TEXT NOT NULL,
  head         TEXT,
  state        TEXT NOT NULL CHECK (state IN ('queued', 'merging', 'landed', 'opened', 'rejected')),
  queued_at    DOUBLE PRECISION NOT NULL,
  started_at   DOUBLE PRECISION,
  ended_at     DOUBLE PRECISION,
  base         TEXT,
  result       TEXT,
  reason       TEXT,
  url          TEXT,
  verify_pid   INTEGER,
  verify_pgid  INTEGER
);
-- nextMerges and mergeDepth walk this index: entries of one state in id order.
CREATE INDEX merge_entries_state ON merge_entries (state, id);
CREATE INDEX merge_entries_issue ON merge_entries (issue_id, state);

CREATE TABLE control_requests (
  id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind          TEXT NOT NULL,
  target        TEXT,
  requested_at  DOUBLE PRECISION NOT NULL,
  requested_by  TEXT NOT NULL,
  taken_at      DOUBLE PRECISION,
  answered_at   DOUBLE PRECISION,
  applied       BOOLEAN,
  result        TEXT
);
-- takeControls walks the pending requests only.
CREATE INDEX control_requests_pending ON control_requests (id) WHERE taken_at IS NULL;

CREATE TABLE tracked_issues (
  issue_id  TEXT COLLATE "C" PRIMARY KEY,
  source    TEXT NOT NULL,
  url       TEXT
);
CREATE TABLE outbox (
  id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  issue_id         TEXT COLLATE "C" NOT NULL REFERENCES issues (id),
  source           TEXT NOT NULL,
  url              TEXT,
  kind             TEXT NOT NULL CHECK (kind IN ('done', 'failed')),
  created_at       DOUBLE PRECISION NOT NULL,
  state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'rejected')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  last_attempt_at  DOUBLE PRECISION,
  settled_at       DOUBLE PRECISION,
  error            TEXT
);
-- The sender's unsettled reports, oldest first; its IN list must stay the unsettled query's.
CREATE INDEX outbox_unsettled ON outbox (id) WHERE state IN ('pending', 'sending');
-- reportCounts and listReports by state read this index.
CREATE INDEX outbox_state ON outbox (state, id);

-- One report per outcome of a tracked issue, queued in the transaction that
-- records the outcome (whatever made it). The function's search_path is the
-- schema's, fixed when it is created, whatever the caller's is.
CREATE FUNCTION queue_outcome_report() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO outbox (issue_id, source, url, kind, created_at)
    SELECT NEW.id, t.source, t.url, NEW.status, NEW.updated_at FROM tracked_issues t WHERE t.issue_id = NEW.id;
  RETURN NULL;
END;
$$;
CREATE TRIGGER outbox_outcome_update AFTER UPDATE OF status ON issues FOR EACH ROW
  WHEN (NEW.status IN ('done', 'failed') AND OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION queue_outcome_report();
-- Issues that never ran (a blocker failed) may be inserted failed.
CREATE TRIGGER outbox_outcome_insert AFTER INSERT ON issues FOR EACH ROW
  WHEN (NEW.status IN ('done', 'failed'))
  EXECUTE FUNCTION queue_outcome_report();
`;
