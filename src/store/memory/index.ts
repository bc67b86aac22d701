import type { Store } from '../ports.js';
import { memoryClaims } from './claims.js';
import { memoryControls } from './controls.js';
import { memoryIntake } from './intake.js';
import { memoryLock } from './lock.js';
import { memoryMerges } from './merges.js';
import { memoryOutbox } from './outbox.js';
import { memoryQueries } from './queries.js';
import { memoryRecords } from './records.js';
import { memorySessions } from './sessions.js';
import { MemoryState } from './state.js';

export interface MemoryStoreOptions {
  /**
   * Keep every finished session, done issue and metric snapshot (default
   * true). A simulation of a million issues passes false: what is finished
   * is folded into the counts and forgotten, so memory stays flat in the
   * number of issues. Failed issues and open sessions are always kept. A
   * forgetting store no longer knows the ids of done issues, so it is only
   * for workloads where each id arrives once.
   */
  retainFinished?: boolean;
}

/**
 * Every port in plain memory (MemoryState, one module per port in this
 * folder), for tests and the load test's simulation of a million issues.
 */
export class MemoryStore {
  readonly location = ':memory:';

  constructor(options: MemoryStoreOptions = {}) {
    const m = new MemoryState(options.retainFinished ?? true);
    Object.assign(this, memoryIntake(m), memoryClaims(m), memorySessions(m), memoryRecords(m), memoryMerges(m), memoryLock(m), memoryQueries(m), memoryControls(m), memoryOutbox(m));
  }

  /** Each change here is already whole or nothing; a batch adds nothing to that. */
  batch<T>(body: () => T): T {
    return body();
  }

  close(): void {}
}

// The ports assigned in the constructor, as the type system sees them.
export interface MemoryStore extends Omit<Store, 'location' | 'batch' | 'close'> {}
