import type { PoolClient } from 'pg';
import { StoreError } from '../../errors.js';
import { txOn, type Tx } from './sql.js';

/** How a batch gets its connection, and turns a failure of the server into the error its callers see. */
export interface BatchHost {
  connect(): Promise<PoolClient>;
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
 * A call's answer comes as soon as it has run, before the commit: what it
 * says holds once the batch's own promise has resolved. Whatever waits for
 * the commit must wait for that promise.
 */
export class Batch<T> {
  private client: PoolClient | null = null;
  private begun!: { resolve(): void; reject(error: unknown): void };
  /** The calls joined so far, run in order; never rejects. */
  private chain: Promise<unknown>;
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

  /** Run `work` as the next savepoint of the batch; its answer, or its error. */
  join<R>(operation: string, work: (tx: Tx) => Promise<R>): Promise<R> {
    const result = this.chain.then(() => this.savepoint(operation, work));
    this.chain = result.then(
      () => {},
      () => {},
    );
    return result;
  }

  /** The batch's turn: begin, run what joined, commit. Resolves with the body's value once committed. */
  async run(): Promise<T> {
    let opened: PoolClient | undefined;
    try {
      opened = await this.host.connect();
    } catch (error) {
      opened?.release(true);
      return this.abandon(this.host.errorOf('begin a batch', error));
    }
    const client = opened;
    this.client = client;
    this.begun.resolve();
    let broken = false;
    try {
      let value: T;
      try {
        value = await this.bodyDone;
      } finally {
        // Whatever the body did, what it started runs to its end before the transaction does.
        await this.drain();
      }
      if (this.failed !== null) throw this.failed;
      try {
        // No call joined: the transaction never began, and there is nothing to commit. COMMIT releases a last savepoint.
        if (this.begunTransaction) await client.query('COMMIT');
      } catch (error) {
        throw this.host.errorOf('commit a batch', error);
      }
      return value;
    } catch (error) {
      broken = !(await client.query('ROLLBACK').then(
        () => true,
        () => false,
      ));
      throw error;
    } finally {
      this.open = false;
      client.release(broken || undefined);
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
    try {
      // With what is still to say before it (BEGIN, or the last call's RELEASE): one round trip.
      await client.query(this.pending === null ? 'SAVEPOINT harness_call' : `${this.pending}; SAVEPOINT harness_call`);
      this.pending = null;
      this.begunTransaction = true;
    } catch (error) {
      throw this.fail(this.host.errorOf(operation, error));
    }
    try {
      const value = await work(txOn(client));
      this.pending = 'RELEASE SAVEPOINT harness_call';
      return value;
    } catch (error) {
      try {
        await client.query('ROLLBACK TO SAVEPOINT harness_call; RELEASE SAVEPOINT harness_call');
      } catch (rollbackError) {
        // The transaction itself is gone (the connection dropped): the batch cannot commit.
        this.fail(this.host.errorOf(operation, rollbackError));
      }
      throw this.host.errorOf(operation, error);
    }
  }

  /** The batch can no longer commit: the calls still to run fail with `error`, and so does the batch. */
  private fail(error: Error): Error {
    if (this.failed === null) this.failed = error;
    return error;
  }

  /** Wait until no call is left; from that moment the batch takes no more. */
  private async drain(): Promise<void> {
    for (;;) {
      const seen = this.chain;
      await seen;
      if (seen === this.chain) {
        this.open = false;
        return;
      }
    }
  }
}
