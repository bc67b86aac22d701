import { afterEach, beforeEach, expect } from 'vitest';
import type { Store } from '../../../src/store/ports.js';
import type { IssueInput } from '../../../src/store/types.js';

/** A store to test, where it says it lives, and how to throw it away. */
export interface StoreUnderTest {
  store: Store;
  location: string;
  cleanup(): void;
}

export type MakeStore = () => StoreUnderTest;

/** A fresh store for every test of the calling describe block. */
export function freshStore(make: MakeStore): { readonly store: Store; readonly location: string } {
  let current: StoreUnderTest;
  beforeEach(() => {
    current = make();
  });
  afterEach(() => current.cleanup());
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
 * Import, admit and claim one issue; returns the session id. The issue must
 * be the one a claim takes (the most urgent ready one): tests arrange that.
 */
export function startOne(store: Store, id: string, now: number, sessionId = `s-${id}-${now}`): string {
  if (!store.getIssue(id)) store.importIssues([issue(id)], now);
  if (store.getIssue(id)?.status === 'backlog') {
    // Admit only this issue: others may be waiting in the backlog.
    expect(store.listIssues('backlog')[0]?.id, 'startOne needs its issue at the head of the backlog').toBe(id);
    store.admit(1, now);
  }
  const { issue: claimed } = store.claim({ sessionId, workerId: 'w1', now, logPath: () => `/logs/${sessionId}.log` });
  expect(claimed?.id, 'startOne needs its issue to be the one claimed').toBe(id);
  return sessionId;
}
