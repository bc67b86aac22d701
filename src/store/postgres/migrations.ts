import type { PoolClient } from 'pg';
import { StoreError } from '../../errors.js';
import { SCHEMA_V4 } from './schema-checkout.js';
import { SCHEMA_V3 } from './schema-counts.js';
import { SCHEMA_V2 } from './schema-fleet.js';
import { SCHEMA_V1 } from './schema.js';

/**
 * The PostgreSQL schema as an ordered list of steps. The schema's
 * `harness_schema` table holds one row per step applied. Never edit a
 * released step: append one.
 */
export interface PostgresMigration {
  version: number;
  description: string;
  sql: string;
}

export const PG_MIGRATIONS: readonly PostgresMigration[] = [
  { version: 1, description: 'the schema of SQLite version 10: issues to outbox', sql: SCHEMA_V1 },
  { version: 2, description: 'a fleet: coordinators and their leases, fenced sessions, workers per coordinator, named leases', sql: SCHEMA_V2 },
  { version: 3, description: 'issues counted by status in shards kept by triggers', sql: SCHEMA_V3 },
  { version: 4, description: 'where and how each coordinator merges', sql: SCHEMA_V4 },
];

export const PG_LATEST_SCHEMA_VERSION = PG_MIGRATIONS.length;

/** The first key of harness's advisory locks ("HRNS"); the second names the schema. */
const LOCK_CLASS = 0x48524e53;

/**
 * Bring `schema` up to the last step of `migrations`, creating it if
 * missing, in one transaction: a step that fails leaves the schema as it
 * was. The transaction first takes an advisory lock keyed by the schema's
 * name, so coordinators starting at once on a new database wait for each
 * other, and each reads the version only once it holds the lock: the
 * first creates the schema, the others find it made. Refuses a schema
 * written by a newer harness rather than guessing at it. `client`'s
 * search_path must already name `schema`.
 */
export async function migratePostgres(client: PoolClient, schema: string, location: string, migrations: readonly PostgresMigration[] = PG_MIGRATIONS): Promise<number> {
  const latest = migrations.at(-1)?.version ?? 0;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, schema]);
    // Asked first: CREATE SCHEMA IF NOT EXISTS needs the right to create schemas even when it exists.
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS harness_schema (
         version     INTEGER PRIMARY KEY,
         description TEXT NOT NULL,
         applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
       )`,
    );
    const current = Number((await client.query<{ v: number }>('SELECT coalesce(max(version), 0) AS v FROM harness_schema')).rows[0]?.v ?? 0);
    if (current > latest) {
      throw new StoreError(
        `PostgreSQL store ${location} has schema version ${current}, but this harness understands only up to ${latest}: ` +
          'upgrade harness, or point it at a different schema or database',
      );
    }
    for (const step of migrations) {
      if (step.version <= current) continue;
      await client.query(step.sql);
      await client.query('INSERT INTO harness_schema (version, description) VALUES ($1, $2)', [step.version, step.description]);
    }
    await client.query('COMMIT');
    return Math.max(current, latest);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** A schema name as harness accepts it: lowercase letters, digits and underscores, so it never needs quoting in a message. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
