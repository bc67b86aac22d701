import type { Writable } from 'node:stream';
import type { PoolClient, QueryConfig, QueryResult } from 'pg';

/**
 * What a port sees of the transaction it runs in: statements with bound
 * parameters (never spliced into the SQL), answered with rows. Each
 * statement is prepared once per connection, named after its text.
 */
export interface Tx {
  rows<R>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** The first row, or undefined when there is none. */
  row<R>(sql: string, params?: readonly unknown[]): Promise<R | undefined>;
  /** Run a statement; how many rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** One name per statement text, the same on every connection. */
const statementNames = new Map<string, string>();

function prepared(sql: string, params: readonly unknown[]): QueryConfig {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `harness_${statementNames.size}`;
    statementNames.set(sql, name);
  }
  return { name, text: sql, values: params as unknown[] };
}

/** Connections whose writes are being gathered until the current piece of work is done. */
const gathering = new WeakSet<PoolClient>();

/**
 * Send `query` on `client`. Statements sent by one piece of work (a BEGIN,
 * the statements after it) go out in one write: the socket is corked until
 * the work returns to the event loop, so the server is woken once.
 */
export function send(client: PoolClient, query: string | QueryConfig): Promise<QueryResult> {
  if (!gathering.has(client)) {
    const stream = (client as unknown as { connection?: { stream?: Writable } }).connection?.stream;
    if (stream && typeof stream.cork === 'function') {
      gathering.add(client);
      stream.cork();
      process.nextTick(() => {
        gathering.delete(client);
        stream.uncork();
      });
    }
  }
  return typeof query === 'string' ? client.query(query) : client.query(query);
}

/**
 * Statements on `client`, sent as soon as they are made (the connection is
 * pipelined: statements made together are answered together). `onSend` is
 * told each time one has been handed to the connection.
 */
export function txOn(client: PoolClient, onSend: () => void = () => {}): Tx {
  const statement = (sql: string, params: readonly unknown[]) => {
    const answer = send(client, prepared(sql, params));
    onSend();
    return answer;
  };
  return {
    async rows<R>(sql: string, params: readonly unknown[] = []) {
      return (await statement(sql, params)).rows as R[];
    },
    async row<R>(sql: string, params: readonly unknown[] = []) {
      return (await statement(sql, params)).rows[0] as R | undefined;
    },
    async run(sql: string, params: readonly unknown[] = []) {
      return (await statement(sql, params)).rowCount ?? 0;
    },
  };
}

/** A LIMIT for PostgreSQL: 0 for zero, negative or NaN, whole rows for a fraction, and no limit (NULL) for Infinity. */
export function sqlLimit(limit: number): number | null {
  if (!(limit > 0)) return 0;
  return Number.isFinite(limit) ? Math.floor(limit) : null;
}
