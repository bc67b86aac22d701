import { describe, expect, it } from 'vitest';
import { IllegalTransitionError } from '../../../src/errors.js';
import { freshStore, startOne, type MakeStore } from './fixtures.js';

/** MergePort: the merge queue's entries and their issues. */
export function describeMerges(make: MakeStore): void {
  const t = freshStore(make);

  describe('merge queue', () => {
    /** An issue that finished its session and is now waiting to merge. */
    const merging = async (id: string, now: number): Promise<void> => {
      const sessionId = await startOne(t.store, id, now);
      await t.store.finishSession(sessionId, { outcome: 'success', endedAt: now + 1 }, { status: 'merging', branch: `harness/${id}` });
    };

    it('appends queued entries with increasing ids and serves them oldest first', async () => {
      await merging('a', 10);
      await merging('b', 20);
      const first = await t.store.enqueueMerge({ issueId: 'b', branch: 'harness/b', head: 'bbb', now: 30 });
      const second = await t.store.enqueueMerge({ issueId: 'a', branch: 'harness/a', head: null, now: 31 });
      expect(first).toEqual({
        id: first.id,
        issueId: 'b',
        branch: 'harness/b',
        head: 'bbb',
        state: 'queued',
        queuedAt: 30,
        startedAt: null,
        endedAt: null,
        base: null,
        result: null,
        reason: null,
        url: null,
        verifyPid: null,
        verifyPgid: null,
      });
      expect(second.id).toBeGreaterThan(first.id);
      expect((await t.store.nextMerges(5)).map((e) => e.issueId)).toEqual(['b', 'a']);
      expect((await t.store.nextMerges(1)).map((e) => e.issueId)).toEqual(['b']);
      expect(await t.store.nextMerges(0)).toEqual([]);
      expect(await t.store.mergeDepth()).toBe(2);
      // Reading does not take entries off the queue.
      expect(await t.store.nextMerges(5)).toHaveLength(2);
    });

    it('refuses an entry for an unknown issue', async () => {
      await expect(async () => t.store.enqueueMerge({ issueId: 'nope', branch: 'harness/nope', head: null, now: 1 })).rejects.toThrow(/nope/);
    });

    it('supersedes an older active entry of the same issue', async () => {
      await merging('a', 10);
      const old = await t.store.enqueueMerge({ issueId: 'a', branch: 'harness/a', head: 'one', now: 11 });
      const fresh = await t.store.enqueueMerge({ issueId: 'a', branch: 'harness/a', head: 'two', now: 12 });
      expect(await t.store.getMerge(old.id)).toMatchObject({ state: 'rejected', endedAt: 12, reason: expect.stringMatching(/superseded/) });
      expect((await t.store.nextMerges(5)).map((e) => e.id)).toEqual([fresh.id]);
      expect(await t.store.mergeDepth()).toBe(1);
    });

    it('updates an entry, keeping the fields it is not given, and lists by state', async () => {
      await merging('a', 10);
      await merging('b', 20);
      const a = await t.store.enqueueMerge({ issueId: 'a', branch: 'harness/a', head: 'h', now: 30 });
      const b = await t.store.enqueueMerge({ issueId: 'b', branch: 'harness/b', head: 'h', now: 31 });
      const updated = await t.store.setMergeState(a.id, { state: 'merging', startedAt: 40, base: 'base1', verifyPid: 7, verifyPgid: 7 }, 40);
      expect(updated).toMatchObject({ state: 'merging', startedAt: 40, base: 'base1', head: 'h', verifyPid: 7 });
      expect(await t.store.getMerge(a.id)).toEqual(updated);
      expect((await t.store.nextMerges(5)).map((e) => e.id)).toEqual([b.id]);
      expect((await t.store.listMerges('merging')).map((e) => e.id)).toEqual([a.id]);
      expect((await t.store.listMerges()).map((e) => e.id)).toEqual([a.id, b.id]);
      expect(await t.store.mergeDepth()).toBe(2);
      // The entry's issue does not change without a transition.
      expect((await t.store.getIssue('a'))?.status).toBe('merging');
    });

    it('applies the issue transition in the same call', async () => {
      await merging('a', 10);
      await merging('b', 20);
      const a = await t.store.enqueueMerge({ issueId: 'a', branch: 'harness/a', head: 'h', now: 30 });
      const b = await t.store.enqueueMerge({ issueId: 'b', branch: 'harness/b', head: 'h', now: 31 });
      await t.store.setMergeState(a.id, { state: 'merging', startedAt: 40 }, 40);
      await t.store.setMergeState(b.id, { state: 'merging', startedAt: 41 }, 41);
      await t.store.setMergeState(a.id, { state: 'landed', endedAt: 50, result: 'r1' }, 50, { status: 'done', lastError: null });
      await t.store.setMergeState(b.id, { state: 'rejected', endedAt: 51, reason: 'conflict in x.txt' }, 51, {
        status: 'queued',
        notBefore: null,
        lastError: 'conflict in x.txt',
      });
      expect(await t.store.getIssue('a')).toMatchObject({ status: 'done', updatedAt: 50, lastError: null });
      expect(await t.store.getIssue('b')).toMatchObject({ status: 'queued', updatedAt: 51, lastError: 'conflict in x.txt', attempts: 1 });
      expect(await t.store.countIssues()).toMatchObject({ merging: 0, done: 1, queued: 1 });
      expect((await t.store.claim({ sessionId: 'again', workerId: 'w', now: 51, logPath: () => null })).issue?.id).toBe('b');
      expect(await t.store.mergeDepth()).toBe(0);
      expect((await t.store.listMerges('landed')).map((e) => e.result)).toEqual(['r1']);
    });

    it('refuses a move the merge entry state machine does not allow, with a typed error', async () => {
      await merging('a', 10);
      const a = await t.store.enqueueMerge({ issueId: 'a', branch: 'harness/a', head: 'h', now: 30 });
      await t.store.setMergeState(a.id, { state: 'merging' }, 31);
      await t.store.setMergeState(a.id, { state: 'landed' }, 32, { status: 'done' });
      await expect(async () => t.store.setMergeState(a.id, { state: 'queued' }, 33)).rejects.toThrow(IllegalTransitionError);
      expect((await t.store.getMerge(a.id))?.state).toBe('landed');
    });

    it('refuses a transition for an issue that is not merging, changing nothing', async () => {
      await merging('a', 10);
      const a = await t.store.enqueueMerge({ issueId: 'a', branch: 'harness/a', head: 'h', now: 30 });
      await t.store.setMergeState(a.id, { state: 'merging' }, 30);
      await t.store.setMergeState(a.id, { state: 'landed' }, 31, { status: 'done' });
      const b = await t.store.enqueueMerge({ issueId: 'a', branch: 'harness/a', head: 'h2', now: 32 });
      await t.store.setMergeState(b.id, { state: 'merging' }, 32);
      await expect(async () => t.store.setMergeState(b.id, { state: 'rejected' }, 32, { status: 'queued' })).rejects.toThrow(/must be merging/);
      expect((await t.store.getMerge(b.id))?.state).toBe('merging');
      expect((await t.store.getMerge(a.id))?.state).toBe('landed');
      await expect(async () => t.store.setMergeState(999, { state: 'queued' }, 33)).rejects.toThrow(/999/);
    });
  });
}
