import { describe, expect, it } from 'vitest';
import { ISSUE_STATUSES } from '../../../src/core/states.js';
import { StoreError } from '../../../src/errors.js';
import { freshStore, ids, issue, startOne, type MakeStore } from './fixtures.js';

/** QueryPort and the store as a whole: listing, counting, where it lives, batches. */
export function describeQueries(make: MakeStore): void {
  const t = freshStore(make);

  it('says where its state lives', () => {
  expect(t.store.location).toBe(t.location);
  });

  it('returns undefined for an unknown id', () => {
  expect(t.store.getIssue('nope')).toBeUndefined();
  });

  describe('listing and counting', () => {
    it('lists in priority then seq order, with priority 0 before 2', () => {
      t.store.importIssues([issue('p2-first', 2), issue('p1', 1), issue('p2-second', 2), issue('p0', 0)], 1);
      expect(ids(t.store.listIssues())).toEqual(['p0', 'p1', 'p2-first', 'p2-second']);
    });

    it('filters by status', () => {
      t.store.importIssues([issue('a'), issue('b'), issue('c')], 1);
      t.store.admit(1, 2);
      expect(ids(t.store.listIssues('queued'))).toEqual(['a']);
      expect(ids(t.store.listIssues('backlog'))).toEqual(['b', 'c']);
      expect(t.store.listIssues('done')).toEqual([]);
    });

    it('counts every status, zero included', () => {
      const empty = t.store.countIssues();
      expect(Object.keys(empty).sort()).toEqual([...ISSUE_STATUSES].sort());
      expect(Object.values(empty).every((n) => n === 0)).toBe(true);

      t.store.importIssues([issue('a'), issue('b'), issue('c'), issue('d')], 1);
      t.store.admit(3, 2);
      const s = startOne(t.store, 'a', 3);
      t.store.finishSession(s, { outcome: 'success', endedAt: 4 }, { status: 'done' });
      startOne(t.store, 'b', 5);
      expect(t.store.countIssues()).toEqual({ backlog: 1, queued: 1, running: 1, merging: 0, done: 1, failed: 0 });
    });
  });

  describe('batches', () => {
    it('keeps every change made in a batch', () => {
      const result = t.store.batch(() => {
        t.store.importIssues([issue('a'), issue('b')], 1);
        t.store.admit(2, 2);
        const session = startOne(t.store, 'a', 3);
        t.store.setSessionProcess(session, 41, 41);
        return session;
      });
      expect(t.store.getSession(result)).toMatchObject({ issueId: 'a', pid: 41, pgid: 41 });
      expect(t.store.countIssues()).toMatchObject({ running: 1, queued: 1 });
    });

    it('applies nothing of a change that throws inside a batch, and keeps the others when the error is caught', () => {
      t.store.importIssues([issue('a'), issue('b')], 1);
      t.store.admit(2, 2);
      t.store.batch(() => {
        startOne(t.store, 'a', 3, 's-1');
        // A claim that reuses a session id is refused whole: `b` is not started.
        expect(() => t.store.claim({ sessionId: 's-1', workerId: 'w', now: 4, logPath: () => null })).toThrow(StoreError);
        t.store.setSessionProcess('s-1', 7, 7);
      });
      expect(t.store.getSession('s-1')).toMatchObject({ pid: 7, attempt: 1, issueId: 'a' });
      expect(t.store.getIssue('a')).toMatchObject({ status: 'running', attempts: 1 });
      expect(t.store.getIssue('b')).toMatchObject({ status: 'queued', attempts: 0 });
    });
  });
}
