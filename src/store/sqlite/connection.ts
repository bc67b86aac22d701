import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { StoreFailure } from '../../errors.js';
import type { StoreLifecycle } from '../ports.js';
import { describeWriteFailure, fileVanished, isStorageFailure } from './failure.js';
import { IN_MEMORY, openStateDatabase } from './open.js';
import { prepareStatements, type Statements } from './statements.js';

/**
 * One open state file: the database in WAL mode (readers, such as a
 * `harness metrics` in another terminal, never block the coordinator), its
 * prepared statements, and how writes are made. Every port of the SQLite
 * store works through one of these.
 *
 * Every write runs as `BEGIN IMMEDIATE`: a port reads before it writes, and
 * a deferred transaction that upgrades to a writer can fail with
 * SQLITE_BUSY without waiting, whereas an immediate one queues behind
 * busy_timeout.
 *
 * A write that fails for a reason of storage (the disk is full, an I/O
 * error, a read-only file), or a file found deleted or replaced by
 * checkFile(), is a StoreFailure: the failure listeners hear of it once,
 * and every later write throws it without touching the database.
 */
export class SqliteConnection implements StoreLifecycle {
  readonly location: string;
  readonly db: Database.Database;
  readonly sql: Statements;
  /** The state file's absolute path, which stored log paths are written against (null in memory). */
  readonly statePath: string | null;
  /** One transaction wrapper for the connection's lifetime; each call runs the body it is given. */
  private readonly transact: Database.Transaction<(body: () => unknown) => unknown>;
  /** The file opened, to notice it deleted or replaced (null in memory). */
  private readonly file: { dev: number; ino: number } | null;
  private failure: StoreFailure | null = null;
  private readonly failureListeners = new Set<(failure: StoreFailure) => void>();

  constructor(path: string) {
    this.location = path;
    this.db = openStateDatabase(path);
    this.sql = prepareStatements(this.db);
    this.transact = this.db.transaction((body: () => unknown) => body());
    this.file = path === IN_MEMORY ? null : fileIdentity(path);
    this.statePath = path === IN_MEMORY ? null : resolve(path);
  }

  /** Run `body` as one IMMEDIATE transaction (a nested call is a savepoint of the outer one). */
  write<T>(body: () => T): T {
    if (this.failure) throw this.failure;
    try {
      return this.transact.immediate(body) as T;
    } catch (error) {
      if (error instanceof StoreFailure) throw error;
      // A statement that failed for lack of space may have rolled the whole transaction back, making
      // the commit fail in turn: whatever follows a failure is that failure.
      if (isStorageFailure(error)) throw this.fail(new StoreFailure(describeWriteFailure(this.location, error), { cause: error }));
      throw this.failure ?? error;
    }
  }

  batch<T>(body: () => T): T {
    return this.write(body);
  }

  onFailure(listener: (failure: StoreFailure) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  checkFile(): void {
    if (this.failure) throw this.failure;
    if (!this.file) return;
    let now: { dev: number; ino: number } | null;
    try {
      now = fileIdentity(this.location);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw this.fail(new StoreFailure(`cannot check the state store ${this.location}: ${String(error)}`));
      now = null;
    }
    if (now === null || now.dev !== this.file.dev || now.ino !== this.file.ino) {
      throw this.fail(new StoreFailure(fileVanished(this.location, now === null ? 'deleted' : 'replaced')));
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Record the first failure, tell the listeners, and return what to throw. */
  private fail(failure: StoreFailure): StoreFailure {
    if (this.failure) return this.failure;
    this.failure = failure;
    for (const listener of [...this.failureListeners]) listener(failure);
    return failure;
  }
}

function fileIdentity(path: string): { dev: number; ino: number } {
  const { dev, ino } = statSync(path);
  return { dev, ino };
}
