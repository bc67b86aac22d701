import type { Store } from '../ports.js';
import { sqliteClaims } from './claims.js';
import { SqliteConnection } from './connection.js';
import { sqliteControls } from './controls.js';
import { sqliteIntake } from './intake.js';
import { sqliteLock } from './lock.js';
import { sqliteMerges } from './merges.js';
import { sqliteOutbox } from './outbox.js';
import { sqliteQueries } from './queries.js';
import { sqliteRecords } from './records.js';
import { sqliteSessions } from './sessions.js';

/**
 * The durable store: one SQLite file (SqliteConnection), every port built
 * on it (one module each in this folder). Open it with openStore(path).
 */
export class SqliteStore extends SqliteConnection {
  constructor(path: string) {
    super(path);
    Object.assign(this, sqliteIntake(this), sqliteClaims(this), sqliteSessions(this), sqliteRecords(this), sqliteMerges(this), sqliteLock(this), sqliteQueries(this), sqliteControls(this), sqliteOutbox(this));
  }
}

// The ports assigned in the constructor, as the type system sees them.
export interface SqliteStore extends Omit<Store, keyof SqliteConnection> {}
