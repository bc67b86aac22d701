import type Database from 'better-sqlite3';
import { StoreError } from '../../errors.js';
import { INITIAL_SCHEMA } from './initial-schema.js';
import { METRICS_AGGREGATES, MERGE_QUEUE, DROP_UNUSED_SESSION_INDEXES, PROCESS_IDENTITY_AND_RETRIES, STALL_DETECTIONS, AGENT_USAGE_AND_HOLDS, DASHBOARD_CONTROLS, TRACKER_OUTBOX, HARNESS_APPLICATION_ID } from './schema-steps.js';

export { HARNESS_APPLICATION_ID } from './schema-steps.js';

/**
 * The schema, as an ordered list of steps. The database records the last step
 * applied in `PRAGMA user_version`; opening runs the missing steps, each in its
 * own transaction together with the version bump, so a crash mid-migration
 * leaves the previous version intact. Never edit a released step: append one.
 */
export interface Migration {
  version: number;
  description: string;
  up(db: Database.Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'initial schema', up: (db) => db.exec(INITIAL_SCHEMA) },
  { version: 2, description: 'metrics aggregates, indexes and worker retire reason', up: (db) => db.exec(METRICS_AGGREGATES) },
  { version: 3, description: 'merge queue entries', up: (db) => db.exec(MERGE_QUEUE) },
  { version: 4, description: 'drop unused session indexes', up: (db) => db.exec(DROP_UNUSED_SESSION_INDEXES) },
  {
    version: 5,
    description: 'run lock process identity, attempts before a retry, harness file marker',
    up: (db) => {
      db.exec(PROCESS_IDENTITY_AND_RETRIES);
      db.pragma(`application_id = ${HARNESS_APPLICATION_ID}`);
    },
  },
  {
    version: 6,
    description: 'when the health check found a session stalled',
    up: (db) => db.exec(STALL_DETECTIONS),
  },
  {
    version: 7,
    description: 'what agents report: their session ids, models, turns, cost and tokens; fleet holds',
    up: (db) => db.exec(AGENT_USAGE_AND_HOLDS),
  },
  // Version 8 was reserved for tracker dependencies and the outbox and released as a no-op; it stays one (the outbox is version 10).
  { version: 8, description: 'reserved: tracker dependencies and outbox', up: () => {} },
  {
    version: 9,
    description: "a running session's latest activity; operators' control requests",
    up: (db) => db.exec(DASHBOARD_CONTROLS),
  },
  {
    version: 10,
    description: 'tracked issues and the outbox of reports to their trackers',
    up: (db) => db.exec(TRACKER_OUTBOX),
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Bring `db` up to the last version in `migrations`. Refuses a database
 * written by a newer harness rather than guessing at a schema it cannot know.
 *
 * The version is read again inside each step's write transaction: two
 * harnesses started at the same instant on a new state file both see
 * version 0 at first, and the one that waited for the other's step must
 * skip it, not run it a second time ("table issues already exists").
 */
export function migrate(db: Database.Database, location: string, migrations: readonly Migration[] = MIGRATIONS): void {
  const latest = migrations.at(-1)?.version ?? 0;
  const tooNew = (current: number) =>
    new StoreError(
      `state store ${location} has schema version ${current}, but this harness understands only up to ${latest}: ` +
        'upgrade harness, or point it at a different state file',
    );
  if (schemaVersion(db) > latest) throw tooNew(schemaVersion(db));
  for (const migration of migrations) {
    // Versions only grow, so a step already applied needs no write transaction.
    if (migration.version <= schemaVersion(db)) continue;
    db.transaction(() => {
      const current = schemaVersion(db);
      if (current > latest) throw tooNew(current);
      if (migration.version <= current) return;
      migration.up(db);
      // user_version is part of the database header, so it commits or rolls back with the step.
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
