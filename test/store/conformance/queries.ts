import { describe, expect, it } from 'vitest';
import { ISSUE_STATUSES } from '../../../src/core/states.js';
import { StoreError } from '../../../src/errors.js';
import { freshStore, ids, issue, settled, startOne, type MakeStore } from './fixtures.js';

/** QueryPort and the store as a whole: listing, counting, where it lives, batches. */
export function describeQueries(make: MakeStore): void {
  const t = freshStore(make);

  it('says where its state lives', async () => {
  expect(t.store.location).toBe(t.location);
  });

  it('returns undefined for an unknown id', async () => {
  expect(await t.store.getIssue('nope')).toBeUndefined();
  });

  describe('listing and counting', () => {
    it('lists in priority then seq order, with priority 0 before 2', async () => {
      await t.store.importIssues([issue('p2-first', 2), issue('p1', 1), issue('p2-second', 2), issue('p0', 0)], 1);
      expect(ids(await t.store.listIssues())).toEqual(['p0', 'p1', 'p2-first', 'p2-second']);
    });

    it('filters by status', async () => {
      await t.store.importIssues([issue('a'), issue('b'), issue('c')], 1);
      await t.store.admit(1, 2);
      expect(ids(await t.store.listIssues('queued'))).toEqual(['a']);
      expect(ids(await t.store.listIssues('backlog'))).toEqual(['b', 'c']);
      expect(await t.store.listIssues('done')).toEqual([]);
    });

    it('counts every status, zero included', async () => {
      const empty = await t.store.countIssues();
      expect(Object.keys(empty).sort()).toEqual([...ISSUE_STATUSES].sort());
      expect(Object.values(empty).every((n) => n === 0)).toBe(true);

      await t.store.importIssues([issue('a'), issue('b'), issue('c'), issue('d')], 1);
      await t.store.admit(3, 2);
      const s = await startOne(t.store, 'a', 3);
      await t.store.finishSession(s, { outcome: 'success', endedAt: 4 }, { status: 'done' });
      await startOne(t.store, 'b', 5);
      expect(await t.store.countIssues()).toEqual({ backlog: 1, queued: 1, running: 1, merging: 0, done: 1, failed: 0 });
    });
  });

  describe('batches', () => {
    // A body makes its calls without waiting for their answers, as the run does: every store runs it at once,
    // and a store that answers later answers each call before the batch commits.
    it('keeps every change made in a batch, and answers each call', async () => {
      const calls = await t.store.batch(
        () =>
          [
            t.store.importIssues([issue('a'), issue('b')], 1),
            t.store.admit(2, 2),
            t.store.claim({ sessionId: 's-a', workerId: 'w1', now: 3, logPath: () => null }),
            t.store.setSessionProcess('s-a', 41, 41),
          ] as const,
      );
      const [imported, admitted, claimed] = await Promise.all(calls);
      expect([imported.added, admitted.count, claimed.issue?.id]).toEqual([2, 2, 'a']);
      expect(await t.store.getSession('s-a')).toMatchObject({ issueId: 'a', pid: 41, pgid: 41 });
      expect(await t.store.countIssues()).toMatchObject({ running: 1, queued: 1 });
    });

    it('applies nothing of a change that throws inside a batch, and keeps the others when the error is caught', async () => {
      await t.store.importIssues([issue('a'), issue('b')], 1);
      await t.store.admit(2, 2);
      const calls = await t.store.batch(
        () =>
          [
            settled(() => t.store.claim({ sessionId: 's-1', workerId: 'w', now: 3, logPath: () => null })),
            // A claim that reuses a session id is refused whole: `b` is not started.
            settled(() => t.store.claim({ sessionId: 's-1', workerId: 'w', now: 4, logPath: () => null })),
            settled(() => t.store.setSessionProcess('s-1', 7, 7)),
          ] as const,
      );
      const [first, reused, process] = await Promise.all(calls);
      expect(first).toMatchObject({ value: { issue: { id: 'a' } } });
      expect(reused).toMatchObject({ error: expect.any(StoreError) });
      expect(process).not.toHaveProperty('error');
      expect(await t.store.getSession('s-1')).toMatchObject({ pid: 7, attempt: 1, issueId: 'a' });
      expect(await t.store.getIssue('a')).toMatchObject({ status: 'running', attempts: 1 });
      expect(await t.store.getIssue('b')).toMatchObject({ status: 'queued', attempts: 0 });
    });
  });
}
