import { AsyncLocalStorage } from 'node:async_hooks';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { StoreError } from '../../errors.js';
import { Batch } from './batch.js';
import { runCall, type CallMode } from './call.js';
import { openErrorOf, storeErrorOf } from './failure.js';
import { Link } from './link.js';
import { SCHEMA_NAME, migratePostgres, quoteIdent } from './migrations.js';
import type { Tx } from './sql.js';
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

/** A call waiting its turn: it starts once the call before it has sent its last statement. */
type Task<T> = (sent: () => void) => Promise<T>;

/**
 * The store's one connection to the server (a pipelined connection that is
 * replaced when it breaks: src/store/postgres/link.ts) and how its calls
 * become transactions.
 *
 * Every call is one transaction, and the calls of one store run one at a
 * time in the order they were made, as they do on the SQLite store: a
 * caller may fire writes without waiting (the run's interpreter does) and
 * still have them applied in order. Several coordinators are several
 * stores, and their transactions run side by side on the server.
 *
 * Round trips are what a call costs, so none is spent on waiting for
 * what cannot fail alone: a BEGIN (or a batch's SAVEPOINT) goes out with
 * the call's first statement, statements a call sends together are
 * answered together, and the next call starts as soon as the previous one
 * has sent its COMMIT, whose answer its caller still waits for. The
 * server runs them in the order they were sent.
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
  private readonly link: Link;
  /** The latest call queued: the next one starts when it has sent its last statement. Never rejects. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Settles once every call queued so far has been answered. Never rejects. */
  private answered: Promise<unknown> = Promise.resolve();
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
      pipeline: true,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      application_name: options.applicationName ?? 'harness',
      allowExitOnIdle: true,
      types,
    });
    // An idle connection the server closed: the next call opens another, and says so if it cannot.
    this.pool.on('error', () => {});
    this.link = new Link(this.pool);
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
    return this.call(operation, work, 'transaction');
  }

  /**
   * The same for work that writes with its last statement only, having
   * refused (if it does) before it: in a batch, it needs no savepoint.
   */
  transactWrite<T>(operation: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.call(operation, work, 'write');
  }

  /**
   * The same for work of one statement (a fenced update of a session, say)
   * or of questions only: it runs on its own, without BEGIN and COMMIT
   * around it (a single statement is a transaction of its own), and in a
   * batch without a savepoint (a statement that failed fails the batch).
   * Work that finds its statement changed nothing may ask one more
   * question, to say why; it must not write again.
   */
  transactOne<T>(operation: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.call(operation, work, 'one');
  }

  /**
   * The same for a single write the store's next call need not wait for:
   * that call's statements follow this one's first statement on the
   * connection at once, before its answer (mode `fire`, src/store/postgres/call.ts).
   */
  fire<T>(operation: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.call(operation, work, 'fire');
  }

  private call<T>(operation: string, work: (tx: Tx) => Promise<T>, mode: CallMode): Promise<T> {
    const batch = this.batches.getStore();
    if (batch?.accepting) return batch.join(operation, work, mode);
    return this.enqueue((sent) => runCall(this.link, operation, work, sent, mode, (op, error) => this.errorOf(op, error)));
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
    const batch = new Batch<Awaited<T>>({ hold: () => this.link.hold(), errorOf: (operation, error) => this.errorOf(operation, error) });
    // Queued before the body runs: calls made before the batch go first, calls made outside it meanwhile after it.
    const committed = this.enqueue((sent) => batch.run(sent));
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
    await this.answered;
    await this.pool.end();
  }

  private enqueue<T>(task: Task<T>): Promise<T> {
    if (this.closed) return Promise.reject(this.closedError());
    let sent!: () => void;
    const turn = new Promise<void>((resolve) => (sent = resolve));
    const result = this.tail.then(() => task(sent));
    // A call that failed before sending its last statement has sent all it will.
    result.then(sent, sent);
    this.tail = turn;
    const answered = this.answered;
    this.answered = result.then(
      () => answered,
      () => answered,
    );
    return result;
  }

  private closedError(): StoreError {
    return new StoreError(`PostgreSQL store ${this.location} is closed: open it again`);
  }

  private errorOf(operation: string, error: unknown): Error {
    return storeErrorOf(operation, this.location, this.url, error);
  }
}
