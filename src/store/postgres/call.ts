import type pg from 'pg';
import { isConnectionLoss, isRetryable } from './failure.js';
import type { Link } from './link.js';
import { send, txOn, type Tx } from './sql.js';

/**
 * How a store call's statements reach the server.
 *
 *   transaction  BEGIN, the work's statements, COMMIT: work that reads,
 *                decides and writes, or writes more than once; in a
 *                batch, a savepoint, so that it fails alone
 *   write        the same for work that writes with its last statement
 *                only (what it refuses, it refuses before): in a batch,
 *                without a savepoint, as there is nothing to undo
 *   one          the work's statements on their own, each its own
 *                transaction: a single write (a fenced update, say), or
 *                questions only; work whose write changed nothing may ask
 *                more, to say why, but must not write again
 *   fire         the same, and the store's next call may follow the first
 *                statement on the connection before it is answered: for a
 *                single write that needs no answer before the next call
 */
export type CallMode = 'transaction' | 'write' | 'one' | 'fire';

/** How many times a call the server aborted as a deadlock or a serialization failure is run, in all. */
const ATTEMPTS = 5;

/**
 * Run one store call on the store's connection. `sent` lets the store's
 * next call start: once this call has sent what must come before it (its
 * COMMIT; in `fire` mode its first statement). Run again from the start
 * after a deadlock or a serialization failure (the server undid it; a
 * `fire` call's runs again after the calls that followed it), and after a
 * connection lost before anything could have been committed (a
 * `transaction`'s work, or a `one`'s, whose statements may be run twice);
 * a `fire` call lost with its connection is not run again, as its
 * statement may have been committed.
 */
export async function runCall<T>(
  link: Link,
  operation: string,
  work: (tx: Tx) => Promise<T>,
  sent: () => void,
  mode: CallMode,
  errorOf: (operation: string, error: unknown) => Error,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let hold;
    try {
      hold = await link.hold();
    } catch (error) {
      throw errorOf(operation, error);
    }
    const client = hold.client;
    let broken = false;
    let gone = false;
    try {
      let value: T;
      try {
        // Sent with the work's first statement; a BEGIN that failed fails the statements after it too.
        const begun = wrapped(mode) ? send(client, 'BEGIN') : null;
        begun?.catch(() => {});
        value = await work(
          txOn(client, () => {
            if (mode !== 'fire') return;
            gone = true;
            sent();
          }),
        );
        await begun;
      } catch (error) {
        // A statement on its own left nothing to roll back; the ROLLBACK still tells whether the connection is good.
        // Once the next call may follow on the connection, nothing is sent that could reach its statements.
        broken = gone ? isConnectionLoss(error) : !(await rollback(client));
        const again = isRetryable(error) || (mode !== 'fire' && broken && isConnectionLoss(error));
        if (attempt < ATTEMPTS && again) continue;
        throw errorOf(operation, error);
      }
      if (!wrapped(mode)) {
        sent();
        return value;
      }
      const commit = send(client, 'COMMIT');
      sent();
      try {
        await commit;
      } catch (error) {
        // Lost during the commit, its outcome cannot be known, so it is not run again; nor is anything rolled back
        // (the next call's statements may follow on the connection).
        broken = isConnectionLoss(error);
        throw errorOf(operation, error);
      }
      return value;
    } finally {
      hold.release(broken);
    }
  }
}

/** Whether the call's statements run between a BEGIN and a COMMIT of its own. */
function wrapped(mode: CallMode): boolean {
  return mode === 'transaction' || mode === 'write';
}

/** Roll back; false when the connection did not answer (it is broken). */
export function rollback(client: pg.PoolClient): Promise<boolean> {
  return send(client, 'ROLLBACK').then(
    () => true,
    () => false,
  );
}
