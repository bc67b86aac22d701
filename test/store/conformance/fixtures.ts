import { afterEach, beforeEach, expect } from 'vitest';
import type { Answer, AsyncStore } from '../../../src/store/ports.js';
import type { IssueInput } from '../../../src/store/types.js';

/**
 * A store to test, where it says it lives, and how to throw it away. The
 * suite awaits every call, so a store may answer at once (SQLite, memory)
 * or with a promise (PostgreSQL).
 */
export interface StoreUnderTest {
  store: AsyncStore;
  location: string;
  cleanup(): Answer<void>;
}

export type MakeStore = () => Answer<StoreUnderTest>;

/** A fresh store for every test of the calling describe block. */
export function freshStore(make: MakeStore): { readonly store: AsyncStore; readonly location: string } {
  let current: StoreUnderTest;
  beforeEach(async () => {
    current = await make();
  });
  afterEach(async () => current.cleanup());
  return {
    get store() {
      return current.store;
    },
    get location() {
      return current.location;
    },
  };
}

export const issue = (id: string, priority = 2, extra: Partial<IssueInput> = {}): IssueInput => ({
  id,
  title: `title of ${id}`,
  body: `body of ${id}`,
  priority,
  labels: [],
  ...extra,
});

export const ids = (rows: readonly { id: string }[]) => rows.map((r) => r.id);

/**
 * What a store call came to, whether it answered at once or later, and
 * whether it threw or rejected: for a batch's body, which makes its calls
 * without waiting for them.
 */
export function settled<T>(call: () => Answer<T>): Promise<{ value: T } | { error: unknown }> {
  try {
    return Promise.resolve(call()).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
  } catch (error) {
    return Promise.resolve({ error });
  }
}

/**
 * Import, admit and claim one issue; returns the session id. The issue must
 * be the one a claim takes (the most urgent ready one): tests arrange that.
 */
export async function startOne(store: AsyncStore, id: string, now: number, sessionId = `s-${id}-${now}`): Promise<string> {
  if (!(await store.getIssue(id))) await store.importIssues([issue(id)], now);
  if ((await store.getIssue(id))?.status === 'backlog') {
    // Admit only this issue: others may be waiting in the backlog.
    expect((await store.listIssues('backlog'))[0]?.id, 'startOne needs its issue at the head of the backlog').toBe(id);
    await store.admit(1, now);
  }
  const { issue: claimed } = await store.claim({ sessionId, workerId: 'w1', now, logPath: () => `/logs/${sessionId}.log` });
  expect(claimed?.id, 'startOne needs its issue to be the one claimed').toBe(id);
  return sessionId;
}
