import { describe, expect, it } from 'vitest';
import { StoreError } from '../../../src/errors.js';
import type { ReportRow } from '../../../src/store/types.js';
import { freshStore, issue, startOne, type MakeStore } from './fixtures.js';

/** OutboxPort (and IntakePort.failUnrun): reports owed to trackers, queued with the outcomes they report. */
export function describeOutbox(make: MakeStore): void {
  const t = freshStore(make);
  const track = (...ids: string[]) => t.store.trackIssues(ids.map((id) => ({ id, source: 'beads', url: `https://tracker.example/${id}` })));
  /** Run one session of `id` (imported and at the head of the queue) to `status`. */
  const finish = async (id: string, status: 'done' | 'failed' | 'queued' | 'merging', now: number): Promise<void> => {
    const sessionId = await startOne(t.store, id, now);
    const outcome = status === 'done' || status === 'merging' ? 'success' : 'failure';
    await t.store.finishSession(sessionId, { outcome, endedAt: now + 1 }, { status, ...(status === 'merging' ? { branch: `harness/${id}` } : {}) });
  };
  const kinds = (rows: readonly ReportRow[]) => rows.map((r) => [r.issueId, r.kind]);
  const all = async () => (await t.store.listReports({ limit: 100 })).reverse();

  describe('queueing reports', () => {
    it('queues one done report when a tracked issue finishes done, with its tracker and the time of the outcome', async () => {
      await track('a');
      await finish('a', 'done', 10);
      expect(await all()).toEqual([
        {
          id: (await all())[0]!.id,
          issueId: 'a',
          source: 'beads',
          url: 'https://tracker.example/a',
          kind: 'done',
          createdAt: 11,
          state: 'pending',
          attempts: 0,
          lastAttemptAt: null,
          settledAt: null,
          error: null,
        },
      ]);
    });

    it('queues one failed report when a tracked issue fails, and none while it still has attempts left', async () => {
      await track('a');
      await finish('a', 'queued', 10);
      expect(await all()).toEqual([]);
      await finish('a', 'failed', 20);
      expect(kinds(await all())).toEqual([['a', 'failed']]);
    });

    it('queues nothing for an untracked issue', async () => {
      await track('tracked');
      await t.store.importIssues([issue('a'), issue('b')], 1);
      await finish('a', 'done', 10);
      await finish('b', 'failed', 20);
      expect(await all()).toEqual([]);
      expect(await t.store.reportCounts()).toEqual({ pending: 0, sending: 0, sent: 0, rejected: 0 });
    });

    it('queues a second report when a failed issue is retried and then done', async () => {
      await track('a');
      await finish('a', 'failed', 10);
      await t.store.retryIssues(['a'], 20);
      expect(kinds(await all())).toEqual([['a', 'failed']]);
      await finish('a', 'done', 30);
      expect(kinds(await all())).toEqual([
        ['a', 'failed'],
        ['a', 'done'],
      ]);
      expect((await all())[1]!.id).toBeGreaterThan((await all())[0]!.id);
    });

    it('queues the report when a merge outcome ends the issue, not when it starts merging', async () => {
      await track('a');
      await finish('a', 'merging', 10);
      expect(await all()).toEqual([]);
      const entry = await t.store.enqueueMerge({ issueId: 'a', branch: 'harness/a', head: null, now: 12 });
      await t.store.setMergeState(entry.id, { state: 'merging' }, 13);
      await t.store.setMergeState(entry.id, { state: 'landed', endedAt: 14 }, 14, { status: 'done' });
      expect((await all()).map((r) => [r.kind, r.createdAt])).toEqual([['done', 14]]);
    });

    it('queues nothing when the change is refused', async () => {
      await track('a');
      const sessionId = await startOne(t.store, 'a', 10);
      await t.store.finishSession(sessionId, { outcome: 'success', endedAt: 11 }, { status: 'done' });
      await expect(async () => t.store.finishSession(sessionId, { outcome: 'success', endedAt: 12 }, { status: 'done' })).rejects.toThrow();
      expect(await all()).toHaveLength(1);
    });

    it('tracks ids before they are imported, and keeps what a known id has', async () => {
      await t.store.trackIssues([{ id: 'a', source: 'github', url: 'https://github.com/o/r/issues/1' }]);
      await t.store.trackIssues([
        { id: 'a', source: 'beads', url: null },
        { id: 'b', source: 'beads', url: null },
      ]);
      expect(await t.store.trackerOf('a')).toEqual({ source: 'github', url: 'https://github.com/o/r/issues/1' });
      expect(await t.store.trackerOf('b')).toEqual({ source: 'beads', url: null });
      expect(await t.store.trackerOf('c')).toBeUndefined();
      expect(await t.store.getIssue('a')).toBeUndefined();
      await t.store.importIssues([issue('a')], 1);
      await finish('a', 'done', 10);
      expect((await all()).map((r) => [r.source, r.url])).toEqual([['github', 'https://github.com/o/r/issues/1']]);
    });
  });

  describe('failing issues that will never run', () => {
    it('inserts unknown ids failed with the reason and no session, and fails backlog and queued ones', async () => {
      await t.store.importIssues([issue('backlog'), issue('queued', 1)], 1);
      await t.store.admit(1, 2);
      expect((await t.store.getIssue('queued'))?.status).toBe('queued');
      const reason = 'blocker X failed';
      const { failed, view } = await t.store.failUnrun([issue('new', 0, { labels: ['l'] }), issue('backlog'), issue('queued')], reason, 5);
      expect(failed).toBe(3);
      expect(view.counts).toMatchObject({ backlog: 0, queued: 0, failed: 3 });
      expect(await t.store.getIssue('new')).toMatchObject({ status: 'failed', lastError: reason, attempts: 0, labels: ['l'], createdAt: 5, updatedAt: 5 });
      expect((await t.store.getIssue('new'))!.seq).toBeGreaterThan((await t.store.getIssue('queued'))!.seq);
      for (const id of ['backlog', 'queued']) expect(await t.store.getIssue(id)).toMatchObject({ status: 'failed', lastError: reason, notBefore: null, updatedAt: 5 });
      for (const id of ['new', 'backlog', 'queued']) expect(await t.store.sessionsForIssue(id)).toEqual([]);
      expect(await t.store.countIssues()).toMatchObject({ failed: 3 });
      // Nothing left to dispatch.
      expect((await t.store.claim({ sessionId: 's', workerId: 'w', now: 6, logPath: () => null })).issue).toBeNull();
      expect((await t.store.admit(5, 6)).count).toBe(0);
    });

    it('leaves running, merging, done and failed issues as they are', async () => {
      await finish('done', 'done', 10);
      await finish('failed', 'failed', 20);
      await finish('merging', 'merging', 30);
      await startOne(t.store, 'running', 40);
      const states = () => Promise.all(['done', 'failed', 'merging', 'running'].map((id) => t.store.getIssue(id)));
      const before = await states();
      const result = await t.store.failUnrun(['done', 'failed', 'merging', 'running'].map((id) => issue(id)), 'blocker failed', 50);
      expect(result.failed).toBe(0);
      expect(await states()).toEqual(before);
    });

    it('counts a repeated id once', async () => {
      expect((await t.store.failUnrun([issue('a'), issue('a')], 'blocker failed', 1)).failed).toBe(1);
      expect(await t.store.countIssues()).toMatchObject({ failed: 1 });
    });

    it('queues a failed report for each tracked issue it fails, inserted or known, and none for the others', async () => {
      await t.store.importIssues([issue('known'), issue('untracked')], 1);
      await track('known', 'new');
      await t.store.failUnrun([issue('new'), issue('known'), issue('untracked')], 'blocker failed', 5);
      expect((await all()).map((r) => [r.issueId, r.kind, r.createdAt])).toEqual([
        ['new', 'failed', 5],
        ['known', 'failed', 5],
      ]);
      // Failing it again changes nothing, so owes nothing.
      await t.store.failUnrun([issue('new')], 'blocker failed', 6);
      expect(await all()).toHaveLength(2);
    });
  });

  describe('sending reports', () => {
    /** Tracked issues `ids`, each done in turn: one pending report each, oldest first. */
    const owed = async (...ids: string[]): Promise<ReportRow[]> => {
      await track(...ids);
      for (const [i, id] of ids.entries()) await finish(id, 'done', 10 * (i + 1));
      return all();
    };

    it('starts a send (sending, one more attempt), sends again after a failed one, and settles it sent', async () => {
      const [report] = await owed('a');
      const started = await t.store.startReport(report!.id, 100);
      expect(started).toEqual({ ...report, state: 'sending', attempts: 1, lastAttemptAt: 100 });
      await t.store.settleReport(report!.id, { state: 'pending', at: 101, error: 'tracker unreachable: ECONNREFUSED' });
      expect(await t.store.unsettledReports(10)).toEqual([{ ...started, state: 'pending', error: 'tracker unreachable: ECONNREFUSED' }]);
      expect(await t.store.startReport(report!.id, 200)).toMatchObject({ state: 'sending', attempts: 2, lastAttemptAt: 200, settledAt: null });
      await t.store.settleReport(report!.id, { state: 'sent', at: 201, error: null });
      expect(await t.store.listReports({ limit: 1 })).toEqual([{ ...report, state: 'sent', attempts: 2, lastAttemptAt: 200, settledAt: 201, error: null }]);
      expect(await t.store.unsettledReports(10)).toEqual([]);
    });

    it('settles a report rejected for good, with why', async () => {
      const [report] = await owed('a');
      await t.store.startReport(report!.id, 100);
      await t.store.settleReport(report!.id, { state: 'rejected', at: 101, error: 'issue closed by someone else' });
      expect((await t.store.listReports({ limit: 1 }))[0]).toMatchObject({ state: 'rejected', settledAt: 101, error: 'issue closed by someone else', attempts: 1 });
      expect(await t.store.unsettledReports(10)).toEqual([]);
    });

    it('starts again a report a crash left sending', async () => {
      const [report] = await owed('a');
      await t.store.startReport(report!.id, 100);
      expect(await t.store.startReport(report!.id, 200)).toMatchObject({ state: 'sending', attempts: 2, lastAttemptAt: 200 });
    });

    it('hands out unsettled reports oldest first, sending ones included, at most `limit`', async () => {
      const [a, b, c, d] = await owed('a', 'b', 'c', 'd');
      await t.store.startReport(a!.id, 100);
      await t.store.startReport(c!.id, 100);
      await t.store.settleReport(c!.id, { state: 'sent', at: 101, error: null });
      await t.store.startReport(b!.id, 102);
      await t.store.settleReport(b!.id, { state: 'pending', at: 103, error: 'timeout' });
      expect((await t.store.unsettledReports(10)).map((r) => [r.issueId, r.state])).toEqual([
        ['a', 'sending'],
        ['b', 'pending'],
        ['d', 'pending'],
      ]);
      expect((await t.store.unsettledReports(2)).map((r) => r.id)).toEqual([a!.id, b!.id]);
      expect(await t.store.unsettledReports(0)).toEqual([]);
      expect(d!.id).toBeGreaterThan(c!.id);
    });

    it('refuses to start or settle an unknown report, or a settled one, and changes nothing', async () => {
      const [sent, rejected] = await owed('a', 'b');
      await expect(async () => t.store.startReport(999_999, 1)).rejects.toThrow(StoreError);
      await expect(async () => t.store.startReport(999_999, 1)).rejects.toThrow(/report 999999: no such report/);
      await expect(async () => t.store.settleReport(999_999, { state: 'sent', at: 1, error: null })).rejects.toThrow(/no such report/);
      await t.store.settleReport(sent!.id, { state: 'sent', at: 100, error: null });
      await t.store.settleReport(rejected!.id, { state: 'rejected', at: 100, error: 'no such issue' });
      const before = await all();
      for (const id of [sent!.id, rejected!.id]) {
        await expect(async () => t.store.startReport(id, 200)).rejects.toThrow(/already (sent|rejected) at 100/);
        await expect(async () => t.store.settleReport(id, { state: 'pending', at: 200, error: 'again' })).rejects.toThrow(/a settled report is final/);
      }
      expect(await all()).toEqual(before);
    });

    it('counts reports by state', async () => {
      const [a, b, c] = await owed('a', 'b', 'c', 'd');
      await t.store.startReport(a!.id, 100);
      await t.store.settleReport(b!.id, { state: 'sent', at: 100, error: null });
      await t.store.settleReport(c!.id, { state: 'rejected', at: 100, error: 'gone' });
      expect(await t.store.reportCounts()).toEqual({ pending: 1, sending: 1, sent: 1, rejected: 1 });
    });

    it('lists the latest reports first, optionally in one state, at most `limit`', async () => {
      const [a, b, c] = await owed('a', 'b', 'c');
      await t.store.settleReport(a!.id, { state: 'sent', at: 100, error: null });
      await t.store.settleReport(c!.id, { state: 'sent', at: 100, error: null });
      expect((await t.store.listReports({ limit: 10 })).map((r) => r.issueId)).toEqual(['c', 'b', 'a']);
      expect((await t.store.listReports({ limit: 2 })).map((r) => r.issueId)).toEqual(['c', 'b']);
      expect((await t.store.listReports({ state: 'sent', limit: 10 })).map((r) => r.issueId)).toEqual(['c', 'a']);
      expect((await t.store.listReports({ state: 'sent', limit: 1 })).map((r) => r.id)).toEqual([c!.id]);
      expect((await t.store.listReports({ state: 'pending', limit: 10 })).map((r) => r.id)).toEqual([b!.id]);
      expect(await t.store.listReports({ state: 'rejected', limit: 10 })).toEqual([]);
      expect(await t.store.listReports({ limit: 0 })).toEqual([]);
    });
  });
}
