import pg from 'pg';
import { HarnessError, StoreError } from '../../errors.js';
import { openErrorOf } from '../../store/postgres/failure.js';
import { PG_LATEST_SCHEMA_VERSION } from '../../store/postgres/migrations.js';
import { maskUrl, redact } from '../../store/postgres/url.js';

/**
 * A read-only connection to a PostgreSQL store, for `harness metrics
 * --store` and `harness status`. It is a plain client rather than the
 * store (openPostgresStore), because opening the store creates or upgrades
 * its schema: a reader pointed at a mistyped schema must say so, not make
 * one. Every read is one `REPEATABLE READ READ ONLY` transaction, so all
 * the figures of one render come from one snapshot of the fleet (as one
 * SQLite read transaction gives them), and the server itself refuses any
 * write.
 */

/** Lowercase letters, digits and underscores: the store's rule for schema names (never quoted in a message). */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const INT8_OID = 20;
/** Counts arrive as bigint; every one a reader sees is far below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export interface PgReaderOptions {
  /** The schema holding harness's tables; default `harness`. */
  schema?: string;
  /** How long to wait for the server to accept the connection (ms); default 10 000. */
  connectTimeoutMs?: number;
}

/** The statements a read runs: bound parameters only. */
export interface ReadTx {
  rows<R>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  row<R>(sql: string, params?: readonly unknown[]): Promise<R | undefined>;
}

export class PgReader {
  private constructor(
    private readonly client: pg.Client,
    private readonly url: string,
    /** The store as shown to the user: its URL with the password masked, and its schema. */
    readonly location: string,
    readonly schema: string,
    /** The schema's version (2 and up: a fleet). */
    readonly version: number,
  ) {}

  /** Connect and check that `schema` holds a harness store this harness can read; a StoreError (exit 2) says what to fix. */
  static async open(url: string, options: PgReaderOptions = {}): Promise<PgReader> {
    const schema = options.schema ?? 'harness';
    const location = `${maskUrl(url)} (schema ${schema})`;
    if (!SCHEMA_NAME.test(schema)) {
      throw new StoreError(`--store-schema ${JSON.stringify(schema)} is not a plain name: use lowercase letters, digits and underscores (at most 63), starting with a letter or _`);
    }
    let client: pg.Client;
    try {
      // pg reads the URL (and the files its TLS settings name) as the client is made: a problem there is the store's to explain too.
      client = new pg.Client({ connectionString: url, connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000, application_name: 'harness (read-only)', types });
    } catch (error) {
      throw openErrorOf(location, url, error);
    }
    // A connection the server drops while idle: the next read fails and says so; nothing is thrown at the process.
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => {});
      throw openErrorOf(location, url, error);
    }
    try {
      const version = await readVersion(client, schema, location, url);
      return new PgReader(client, url, location, schema, version);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
  }

  /** Run `work` in one read-only snapshot of the store. */
  async read<T>(work: (tx: ReadTx) => Promise<T>): Promise<T> {
    try {
      await this.client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        await this.client.query(`SET LOCAL search_path TO "${this.schema}"`);
        const value = await work(txOf(this.client));
        await this.client.query('COMMIT');
        return value;
      } catch (error) {
        await this.client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    } catch (error) {
      throw readError(this.location, this.url, error);
    }
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }
}

function txOf(client: pg.Client): ReadTx {
  return {
    rows: async <R>(sql: string, params: readonly unknown[] = []) => (await client.query(sql, params as unknown[])).rows as R[],
    row: async <R>(sql: string, params: readonly unknown[] = []) => (await client.query(sql, params as unknown[])).rows[0] as R | undefined,
  };
}

async function readVersion(client: pg.Client, schema: string, location: string, url: string): Promise<number> {
  let version: number | null;
  try {
    const found = await client.query<{ v: number | null }>(
      `SELECT CASE WHEN to_regclass($1) IS NULL THEN NULL ELSE 0 END AS v`,
      [`"${schema}".harness_schema`],
    );
    version = found.rows[0]?.v ?? null;
    if (version !== null) version = Number((await client.query<{ v: number }>(`SELECT coalesce(max(version), 0) AS v FROM "${schema}".harness_schema`)).rows[0]?.v ?? 0);
  } catch (error) {
    throw readError(location, url, error);
  }
  if (version === null || version === 0) {
    throw new StoreError(`no harness store in schema ${schema} of ${maskUrl(url)}: run \`harness run --store <url>\` first, or pass --store-schema <name> for the schema it uses`);
  }
  if (version > PG_LATEST_SCHEMA_VERSION) {
    throw new StoreError(`PostgreSQL store ${location} has schema version ${version}, but this harness reads only up to ${PG_LATEST_SCHEMA_VERSION}: upgrade harness`);
  }
  if (version < 2) {
    throw new StoreError(`PostgreSQL store ${location} has schema version ${version}, from before fleets: run \`harness run --store <url>\` once to upgrade it`);
  }
  return version;
}

/** A failed read as one line, exit 2, the password masked. */
function readError(location: string, url: string, error: unknown): Error {
  if (error instanceof HarnessError) return error;
  const message = error instanceof Error ? error.message || error.name : String(error);
  return new StoreError(`cannot read PostgreSQL store ${location}: ${redact(message, url)}: check that the server is running and reachable, then try again`);
}
