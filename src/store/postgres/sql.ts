import type { PoolClient, QueryConfig } from 'pg';

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

/**
 * Statements on `client`, sent as soon as they are made (the connection is
 * pipelined: statements made together are answered together). `onSend` is
 * told each time one has been handed to the connection.
 */
export function txOn(client: PoolClient, onSend: () => void = () => {}): Tx {
  const statement = (sql: string, params: readonly unknown[]) => {
    const answer = client.query(prepared(sql, params));
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
