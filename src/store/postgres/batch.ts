import type { PoolClient } from 'pg';
import { StoreError } from '../../errors.js';
import { rollback, type CallMode } from './call.js';
import type { Hold } from './link.js';
import { send, txOn, type Tx } from './sql.js';

/** How a batch gets its connection, and turns a failure of the server into the error its callers see. */
export interface BatchHost {
  hold(): Promise<Hold>;
  errorOf(operation: string, error: unknown): Error;
}

/**
 * One group commit of the PostgreSQL store (PostgresConnection.batch):
 * one transaction on one connection, which the calls made inside the
 * batch's body join, one after another in the order they were made, each
 * as a savepoint so that one that fails leaves nothing behind and the
 * others stand.
 *
 * Its life:
 *   collecting  the body runs (at once, as the other stores run it), and
 *               the calls it makes queue up here; the transaction has not
 *               begun: the batch waits its turn behind the store's earlier
 *               calls
 *   running     its turn came: BEGIN, then each call queued, and each one
 *               made meanwhile by the calls' own continuations (they run
 *               in the batch's async context)
 *   closed      the body's value has settled and no call is left: COMMIT
 *               (ROLLBACK if the body threw); calls made from now on, even
 *               in the batch's context, are ordinary calls queued after it
 *
 * The control statements cost no round trip of their own: BEGIN and each
 * SAVEPOINT go out with the call's first statement, each RELEASE with the
 * next SAVEPOINT (or the COMMIT), and the store's next call starts once
 * the COMMIT is sent.
 *
 * A call's answer comes as soon as it has run, before the commit: what it
 * says holds once the batch's own promise has resolved. Whatever waits for
 * the commit must wait for that promise.
 */
export class Batch<T> {
  private client: PoolClient | null = null;
  private begun!: { resolve(): void; reject(error: unknown): void };
  /** Whose turn it is: a call starts once the call before it has sent what must come first. Never rejects. */
  private chain: Promise<unknown>;
  /** Settles once every call joined so far has been answered. Never rejects. */
  private answered: Promise<unknown> = Promise.resolve();
  private body!: { resolve(value: T): void; reject(error: unknown): void };
  private readonly bodyDone: Promise<T>;
  private open = true;
  private failed: unknown = null;
  /**
   * Control statements not sent yet, sent with the next call's SAVEPOINT:
   * BEGIN (null once sent), then each call's RELEASE, so the control of a
   * call costs one round trip rather than two.
   */
  private pending: string | null = 'BEGIN';
  private begunTransaction = false;

  constructor(private readonly host: BatchHost) {
    this.chain = new Promise<void>((resolve, reject) => (this.begun = { resolve, reject })).catch(() => {});
    this.bodyDone = new Promise<T>((resolve, reject) => (this.body = { resolve, reject }));
    // A body that throws is seen when the batch runs; never as an unhandled rejection before.
    this.bodyDone.catch(() => {});
  }

  /** Calls may still join (false once the batch is committing, or done). */
  get accepting(): boolean {
    return this.open;
  }

  /** What the body returned (a promise is waited for before the commit), or what it threw. */
  settle(outcome: { value: T } | { error: unknown }): void {
    if ('error' in outcome) this.body.reject(outcome.error);
    else Promise.resolve(outcome.value).then(this.body.resolve, this.body.reject);
  }

  /**
   * Run `work` as the batch's next call: a `transaction` as a savepoint, so
   * that it fails alone; other work (its one write last, or questions) as
   * it is, a statement that fails failing the batch. A `fire` call lets
   * the next one start once its statement is sent.
   */
  join<R>(operation: string, work: (tx: Tx) => Promise<R>, mode: CallMode): Promise<R> {
    let sent!: () => void;
    const turn = new Promise<void>((resolve) => (sent = resolve));
    const result = this.chain.then(() => (mode === 'transaction' ? this.savepoint(operation, work) : this.direct(operation, work, mode === 'fire' ? sent : () => {})));
    result.then(sent, sent);
    this.chain = turn;
    const answered = this.answered;
    this.answered = result.then(
      () => answered,
      () => answered,
    );
    return result;
  }

  /**
   * The batch's turn: begin, run what joined, commit. Resolves with the
   * body's value once committed; `sent` lets the store's next call start
   * once the COMMIT is on its way.
   */
  async run(sent: () => void): Promise<T> {
    let hold: Hold;
    try {
      hold = await this.host.hold();
    } catch (error) {
      return this.abandon(this.host.errorOf('begin a batch', error));
    }
    const client = hold.client;
    this.client = client;
    this.begun.resolve();
    let broken = false;
    try {
      let value: T;
      try {
        try {
          value = await this.bodyDone;
        } finally {
          // Whatever the body did, what it started runs to its end before the transaction does.
          await this.drain();
        }
        if (this.failed !== null) throw this.failed;
      } catch (error) {
        broken = !(await rollback(client));
        throw error;
      }
      // No call joined: the transaction never began, and there is nothing to commit. COMMIT releases a last savepoint.
      if (!this.begunTransaction) return value;
      const commit = send(client, 'COMMIT');
      sent();
      try {
        await commit;
      } catch (error) {
        // Nothing is rolled back after the COMMIT: the store's next call may already follow it on the connection.
        broken = true;
        throw this.host.errorOf('commit a batch', error);
      }
      return value;
    } finally {
      this.open = false;
      hold.release(broken);
    }
  }

  /** The connection or BEGIN failed: every call that joined fails with that error, and so does the batch. */
  private async abandon(error: Error): Promise<never> {
    this.failed = error;
    this.begun.reject(error);
    await this.drain();
    // The body's own outcome no longer matters: nothing it did was recorded.
    throw error;
  }

  private async savepoint<R>(operation: string, work: (tx: Tx) => Promise<R>): Promise<R> {
    if (this.failed !== null || this.client === null) {
      throw this.failed instanceof Error ? this.failed : new StoreError(`cannot ${operation}: the batch it was part of failed`);
    }
    const client = this.client;
    // With what is still to say before it (BEGIN, or the last call's RELEASE), sent with the work's first statement.
    const control = send(client, this.pending === null ? 'SAVEPOINT harness_call' : `${this.pending}; SAVEPOINT harness_call`);
    const controlled = control.then(
      () => null,
      (error: unknown) => this.fail(this.host.errorOf(operation, error)),
    );
    this.pending = null;
    this.begunTransaction = true;
    let value: R;
    try {
      value = await work(txOn(client));
    } catch (error) {
      // A SAVEPOINT that failed failed the work's statements too: its own error says why.
      const refused = await controlled;
      if (refused !== null) throw refused;
      try {
        await send(client, 'ROLLBACK TO SAVEPOINT harness_call; RELEASE SAVEPOINT harness_call');
      } catch (rollbackError) {
        // The transaction itself is gone (the connection dropped): the batch cannot commit.
        this.fail(this.host.errorOf(operation, rollbackError));
      }
      throw this.host.errorOf(operation, error);
    }
    const refused = await controlled;
    if (refused !== null) throw refused;
    this.pending = 'RELEASE SAVEPOINT harness_call';
    return value;
  }

  private async direct<R>(operation: string, work: (tx: Tx) => Promise<R>, onSent: () => void): Promise<R> {
    if (this.failed !== null || this.client === null) {
      throw this.failed instanceof Error ? this.failed : new StoreError(`cannot ${operation}: the batch it was part of failed`);
    }
    // Only a BEGIN must come first; a last call's RELEASE can wait for the next SAVEPOINT or the COMMIT.
    let controlled: Promise<Error | null> = Promise.resolve(null);
    if (this.pending === 'BEGIN') {
      controlled = send(this.client, 'BEGIN').then(
        () => null,
        (error: unknown) => this.fail(this.host.errorOf(operation, error)),
      );
      this.pending = null;
    }
    this.begunTransaction = true;
    const statements = txOn(this.client, onSent);
    let aborted = false;
    const watch = <V>(answer: Promise<V>): Promise<V> =>
      answer.catch((error: unknown) => {
        aborted = true;
        throw error;
      });
    const tx: Tx = {
      rows: (sql, params) => watch(statements.rows(sql, params)),
      row: (sql, params) => watch(statements.row(sql, params)),
      run: (sql, params) => watch(statements.run(sql, params)),
    };
    try {
      const value = await work(tx);
      const refused = await controlled;
      if (refused !== null) throw refused;
      return value;
    } catch (error) {
      const refused = await controlled;
      if (refused !== null) throw refused;
      const failure = this.host.errorOf(operation, error);
      // A statement the server refused aborted the transaction: the batch cannot commit.
      if (aborted) this.fail(failure);
      throw failure;
    }
  }

  /** The batch can no longer commit: the calls still to run fail with `error`, and so does the batch. */
  private fail(error: Error): Error {
    if (this.failed === null) this.failed = error;
    return error;
  }

  /** Wait until no call is left and every call has been answered; from that moment the batch takes no more. */
  private async drain(): Promise<void> {
    for (;;) {
      const seen = this.chain;
      const answered = this.answered;
      await seen;
      await answered;
      if (seen === this.chain && answered === this.answered) {
        this.open = false;
        return;
      }
    }
  }
}
