import { AsyncLocalStorage } from 'node:async_hooks';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { StoreError } from '../../errors.js';
import { Batch } from './batch.js';
import { isConnectionLoss, isRetryable, openErrorOf, storeErrorOf } from './failure.js';
import { SCHEMA_NAME, migratePostgres, quoteIdent } from './migrations.js';
import { txOn, type Tx } from './sql.js';
import { maskUrl } from './url.js';

export interface PostgresStoreOptions {
  /**
   * The schema that holds harness's tables, created (with them) on first
   * open: lowercase letters, digits and underscores. Several harness states
   * can share a database in schemas of their own. Default `harness`.
   */
  schema?: string;
  /**
   * TLS for the connection, handed to pg as its `ssl` option (`true`, or
   * node's TLS options: `ca`, `rejectUnauthorized`, …). An `sslmode` in the
   * URL is read by pg and takes precedence, as it does in pg. Default:
   * what the URL says (no TLS without one).
   */
  ssl?: boolean | ConnectionOptions;
  /** How long to wait for the server to accept a connection, in ms. Default 10 000. */
  connectTimeoutMs?: number;
  /** The application_name the server shows for the store's connection. Default `harness`. */
  applicationName?: string;
  /**
   * The server ends a connection of the store that sits inside a
   * transaction this long (ms; PostgreSQL's
   * idle_in_transaction_session_timeout), releasing its locks: a process
   * paused or cut off mid-transaction cannot stall the rest of a fleet. The
   * store's own transactions never wait on anything but the server. Default
   * 30 000; a fleet's coordinator uses half its lease.
   */
  idleInTransactionMs?: number;
}

/** How many times a transaction the server aborted as a deadlock or a serialization failure is run, in all. */
const TRANSACTION_ATTEMPTS = 5;

const INT8_OID = 20;

/**
 * Bigints (counts, sequences, identities) as numbers: every one the store
 * holds is far below 2^53. Set on the store's own pool only, so other
 * users of pg in the process keep its default.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * The store's one connection to the server (a pool of one, which replaces
 * a connection that broke) and how its calls become transactions.
 *
 * Every call is one transaction, and the calls of one store run one at a
 * time in the order they were made, as they do on the SQLite store: a
 * caller may fire writes without waiting (the run's interpreter does) and
 * still have them applied in order. Several coordinators are several
 * stores, and their transactions run side by side on the server.
 *
 * A transaction the server aborts as a deadlock or a serialization
 * failure, or one whose connection was lost before its commit (the server
 * closed it, a restart), is run again from the start on a good connection
 * (each port's body only reads and writes the database, so running it
 * again is safe); any other error rolls it back and is thrown, the URL's
 * password masked.
 */
export class PostgresConnection {
  /** The store's URL with its password masked, and its schema. */
  readonly location: string;
  readonly schema: string;
  private readonly url: string;
  private readonly pool: pg.Pool;
  /** The latest call queued: the next one starts when it has settled. Never rejects. */
  private tail: Promise<unknown> = Promise.resolve();
  private readonly batches = new AsyncLocalStorage<Batch<unknown>>();
  private closed = false;

  constructor(url: string, options: PostgresStoreOptions = {}) {
    this.url = url;
    this.schema = options.schema ?? 'harness';
    this.location = `${maskUrl(url)} (schema ${this.schema})`;
    if (!SCHEMA_NAME.test(this.schema)) {
      throw new StoreError(
        `cannot open PostgreSQL store ${maskUrl(url)}: schema ${JSON.stringify(this.schema)} is not a plain name: use lowercase letters, digits and underscores (at most 63), starting with a letter or _`,
      );
    }
    this.pool = new pg.Pool({
      connectionString: url,
      ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
      max: 1,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      application_name: options.applicationName ?? 'harness',
      allowExitOnIdle: true,
      types,
    });
    // An idle connection the server closed: the next call opens another, and says so if it cannot.
    this.pool.on('error', () => {});
    const idle = Math.max(100, Math.round(options.idleInTransactionMs ?? 30_000));
    const searchPath = `SET search_path TO ${quoteIdent(this.schema)}; SET idle_in_transaction_session_timeout = ${idle}`;
    this.pool.on('connect', (client) => {
      // A connection lost while a call holds it (between statements) is an error event with no query to take it,
      // which would be thrown at the process: the call's next statement fails instead, and the call sees that.
      client.on('error', () => {});
      // Queued before any statement of the call that opened the connection; a failure here fails that call's statements too.
      client.query(searchPath).catch(() => {});
    });
  }

  /** Create or upgrade the schema; throws a StoreError that says how to fix what went wrong. */
  async open(): Promise<void> {
    try {
      const client = await this.pool.connect();
      try {
        await migratePostgres(client, this.schema, this.location);
      } finally {
        client.release();
      }
    } catch (error) {
      throw openErrorOf(this.location, this.url, error);
    }
  }

  /**
   * Run `work` as one transaction, after every call made before it; inside
   * a batch's body, as the batch's next savepoint. `operation` names it in
   * an error: "cannot <operation> …".
   */
  transact<T>(operation: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    const batch = this.batches.getStore();
    if (batch?.accepting) return batch.join(operation, work);
    return this.enqueue(() => this.inTransaction(operation, work));
  }

  /**
   * The same for work of one statement (a fenced update of a session, say):
   * outside a batch it runs on its own, without BEGIN and COMMIT around it
   * (a single statement is a transaction of its own), one round trip
   * instead of three. Work that finds its statement changed nothing may
   * ask one more question, to say why; it must not write again.
   */
  transactOne<T>(operation: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    const batch = this.batches.getStore();
    if (batch?.accepting) return batch.join(operation, work);
    return this.enqueue(() => this.inTransaction(operation, work, false));
  }

  /**
   * A group commit: run `body` now, as the other stores do, and every
   * store call it makes (in its async context: awaited inside it, or made
   * by what those calls' answers set off) joins one transaction, committed
   * once the body's value has settled and those calls have run. The calls
   * keep their order; one that fails is rolled back alone and rejects, the
   * others stand; a body that throws (or rejects) rolls back the whole
   * batch. Resolves with the body's value once committed.
   *
   * Calls made outside the body meanwhile wait for the commit, so a body
   * must not wait on a store call it did not make itself. A batch inside a
   * batch is part of it.
   */
  batch<T>(body: () => T): Promise<Awaited<T>> {
    // The body is not run: nothing it did could be recorded.
    if (this.closed) return Promise.reject(this.closedError());
    const outer = this.batches.getStore();
    if (outer?.accepting) {
      try {
        return Promise.resolve(body()) as Promise<Awaited<T>>;
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const batch = new Batch<Awaited<T>>({ connect: () => this.pool.connect(), errorOf: (operation, error) => this.errorOf(operation, error) });
    // Queued before the body runs: calls made before the batch go first, calls made outside it meanwhile after it.
    const committed = this.enqueue(() => batch.run());
    try {
      batch.settle({ value: this.batches.run(batch as Batch<unknown>, body) as Awaited<T> });
    } catch (error) {
      batch.settle({ error });
    }
    return committed;
  }

  /** Wait for the calls made so far, then close the connection; later calls fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    await this.pool.end();
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(this.closedError());
    const result = this.tail.then(task);
    this.tail = result.then(
      () => {},
      () => {},
    );
    return result;
  }

  private closedError(): StoreError {
    return new StoreError(`PostgreSQL store ${this.location} is closed: open it again`);
  }

  private async inTransaction<T>(operation: string, work: (tx: Tx) => Promise<T>, wrapped = true): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (error) {
        throw this.errorOf(operation, error);
      }
      let committing = false;
      let broken = false;
      try {
        if (wrapped) await client.query('BEGIN');
        const value = await work(txOn(client));
        committing = true;
        if (wrapped) await client.query('COMMIT');
        return value;
      } catch (error) {
        // A statement on its own left nothing to roll back; the ROLLBACK still tells whether the connection is good.
        broken = !(await client.query('ROLLBACK').then(
          () => true,
          () => false,
        ));
        // A connection lost before the commit was sent took the transaction with it: run it again on a new one.
        // Lost during the commit, its outcome cannot be known, so it is not run again.
        const again = isRetryable(error) || (broken && !committing && isConnectionLoss(error));
        if (attempt < TRANSACTION_ATTEMPTS && again) continue;
        throw this.errorOf(operation, error);
      } finally {
        client.release(broken || undefined);
      }
    }
  }

  private errorOf(operation: string, error: unknown): Error {
    return storeErrorOf(operation, this.location, this.url, error);
  }
}
