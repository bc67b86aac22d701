import type { Claims, Controls, Fleet, Intake, LockPort, MergePort, Outbox, QueryPort, Records, Sessions } from '../ports.js';
import { ClaimedIssues } from './claimed.js';
import { postgresClaims } from './claims.js';
import { PostgresConnection, type PostgresStoreOptions } from './connection.js';
import { postgresControls } from './controls.js';
import { postgresIntake } from './intake.js';
import { postgresFleet } from './fleet.js';
import { postgresLock } from './lock.js';
import { Membership } from './membership.js';
import { postgresMerges } from './merges.js';
import { postgresOutbox } from './outbox.js';
import type { Promising } from './promising.js';
import { postgresQueries } from './queries.js';
import { postgresRecords } from './records.js';
import { postgresSessions } from './sessions.js';

export type { PostgresStoreOptions } from './connection.js';
export { PG_LATEST_SCHEMA_VERSION, PG_MIGRATIONS, type PostgresMigration } from './migrations.js';
export { maskUrl } from './url.js';

/**
 * The store in a PostgreSQL database, shared by coordinators on several
 * machines: every port, each call one transaction answered with a promise
 * (one module per port in this folder, on a PostgresConnection). Open it
 * with openPostgresStore(url, options).
 */
export class PostgresStore extends PostgresConnection {
  /** The coordinator this store claims for, once it has joined a fleet (joinFleet). */
  readonly membership = new Membership();
  /** The issues of the sessions it claimed, as it last wrote them. */
  private readonly claimed = new ClaimedIssues();

  constructor(url: string, options: PostgresStoreOptions = {}) {
    super(url, options);
    Object.assign(
      this,
      postgresIntake(this),
      postgresClaims(this, this.membership, this.claimed),
      postgresSessions(this, this.membership, this.claimed),
      postgresRecords(this, this.membership),
      postgresFleet(this, this.membership),
      postgresMerges(this),
      postgresLock(this),
      postgresQueries(this),
      postgresControls(this),
      postgresOutbox(this),
    );
  }
}

// The ports assigned in the constructor, as the type system sees them.
export interface PostgresStore extends Promising<Intake & Claims & Sessions & Records & MergePort & LockPort & QueryPort & Controls & Outbox & Fleet> {}

/**
 * Connect to the database at `url` (`postgres://user:password@host:5432/db`,
 * with `?sslmode=…` as pg reads it), and create or upgrade harness's
 * schema in it. Throws a StoreError, its password masked, that says what
 * to fix when the server cannot be reached or refuses.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const store = new PostgresStore(url, options);
  try {
    await store.open();
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
  return store;
}

