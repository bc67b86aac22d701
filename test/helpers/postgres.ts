import pg from 'pg';
import { afterAll, describe } from 'vitest';
import { openPostgresStore, type PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/index.js';
import { maskUrl } from '../../src/store/postgres/url.js';

/**
 * The PostgreSQL server the tests use: HARNESS_TEST_PG_URL (.ci/run starts
 * one), or the usual local address. Without one, PostgreSQL tests are
 * skipped with a line that says so, never silently.
 */
export const PG_URL = process.env.HARNESS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function probe(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

const unreachable = await probe(PG_URL);

/** `describe` with a server, `describe.skip` without one, saying so once per file that asks. */
export function describeWithPostgres(what: string): typeof describe | typeof describe.skip {
  if (unreachable === null) return describe;
  console.warn(
    `PostgreSQL tests skipped (${what}): no server at ${maskUrl(PG_URL)} (${unreachable}) ` +
      '(start one: `pg_ctlcluster 15 main start`, or `bash .ci/run`; or point HARNESS_TEST_PG_URL at one)',
  );
  return describe.skip;
}

let made = 0;
/** A schema name no other test (nor another run's leftovers) uses. */
export const freshSchema = (): string => `harness_test_${process.pid}_${++made}_${Math.floor(Math.random() * 1e6)}`;

/**
 * Stores on schemas of their own for one describe block: `open()` makes
 * one (or another on the same schema), every one closed and its schema
 * dropped after the block. `admin` runs raw SQL.
 */
export function pgStores() {
  const admin = new pg.Pool({ connectionString: PG_URL, max: 2 });
  const opened: { store: PostgresStore; schema: string }[] = [];
  const schemas = new Set<string>();
  afterAll(async () => {
    for (const { store } of opened.splice(0)) await store.close().catch(() => {});
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });
  return {
    admin,
    async open(options: PostgresStoreOptions = {}): Promise<PostgresStore> {
      const schema = options.schema ?? freshSchema();
      schemas.add(schema);
      const store = await openPostgresStore(PG_URL, { ...options, schema });
      opened.push({ store, schema });
      return store;
    },
    /** A schema that will be dropped after the block, for a harness started as a process. */
    schema(): string {
      const schema = freshSchema();
      schemas.add(schema);
      return schema;
    },
  };
}
