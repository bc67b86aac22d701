/**
 * The PostgreSQL schema's second version: a fleet of coordinators.
 *
 * - `coordinators`: one row per coordinator process that joined (host,
 *   pid, process identity, version, its maxWorkers, the fleet cap it was
 *   given), with its lease: the
 *   server's time of its last heartbeat and how long the lease lasts.
 *   `token` is its fencing token, drawn from `fence_seq` when it joins.
 *   Its state is live, ended (it left) or dead (its lease expired, or its
 *   host found its process gone); a dead one never comes back.
 * - sessions carry the coordinator that claimed them and the fencing
 *   token of the claim (`fence`, from the same sequence): every later
 *   write about a session names both, and is refused unless they match
 *   and the coordinator is still live.
 * - workers are numbered per coordinator: `worker-1` of one coordinator
 *   is not `worker-1` of another.
 * - `leases` holds named leases (the merge queue's leader), each with its
 *   holder and the server time it runs out.
 * Lease times are the server's clock (`clock_timestamp()`), so hosts whose
 * clocks disagree still agree on who is late.
 */
export const SCHEMA_V2 = `
CREATE SEQUENCE fence_seq;
CREATE TABLE coordinators (
  id             TEXT COLLATE "C" PRIMARY KEY,
  token          BIGINT NOT NULL UNIQUE,
  host           TEXT NOT NULL,
  pid            INTEGER NOT NULL,
  process_start  TEXT,
  version        TEXT NOT NULL,
  max_workers    INTEGER NOT NULL,
  -- The cap on open sessions across the fleet it was given (null: none); the fleet holds to the tightest of its live coordinators'.
  fleet_max_workers INTEGER,
  started_at     DOUBLE PRECISION NOT NULL,
  lease_ms       INTEGER NOT NULL CHECK (lease_ms > 0),
  heartbeat_at   TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  state          TEXT NOT NULL CHECK (state IN ('live', 'ended', 'dead')),
  ended_at       DOUBLE PRECISION,
  ended_by       TEXT
);
CREATE INDEX coordinators_live ON coordinators (heartbeat_at) WHERE state = 'live';
CREATE INDEX coordinators_host ON coordinators (host, state);

ALTER TABLE sessions ADD COLUMN coordinator_id TEXT COLLATE "C" REFERENCES coordinators (id);
ALTER TABLE sessions ADD COLUMN fence BIGINT;
CREATE INDEX sessions_coordinator_open ON sessions (coordinator_id) WHERE ended_at IS NULL;

ALTER TABLE workers ADD COLUMN coordinator_id TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE workers DROP CONSTRAINT workers_pkey;
ALTER TABLE workers ADD PRIMARY KEY (coordinator_id, id);

CREATE TABLE leases (
  name        TEXT COLLATE "C" PRIMARY KEY,
  holder      TEXT COLLATE "C" NOT NULL,
  expires_at  TIMESTAMPTZ NOT NULL
);
`;
