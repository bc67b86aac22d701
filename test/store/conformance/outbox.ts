import { describe, expect, it } from 'vitest';
import { StoreError } from '../../../src/errors.js';
import type { ReportRow } from '../../../src/store/types.js';
import { freshStore, issue, startOne, type MakeStore } from './fixtures.js';

/** OutboxPort (and IntakePort.failUnrun): reports owed to trackers, queued with the outcomes they report. */
export function describeOutbox(make: MakeStore): void {
  const t = freshStore(make);
  const track = (...ids: string[]) => t.store.trackIssues(ids.map((id) => ({ id, source: 'beads', url: `https://tracker.example/${id}` })));
  /** Run one session of `id` (imported and at the head of the queue) to `status`. */
  const finish = (id: string, status: 'done' | 'failed' | 'queued' | 'merging', now: number): void => {
    const sessionId = startOne(t.store, id, now);
    const outcome = status === 'done' || status === 'merging' ? 'success' : 'failure';
    t.store.finishSession(sessionId, { outcome, endedAt: now + 1 }, { status, ...(status === 'merging' ? { branch: `harness/${id}` } : {}) });
  };
  const kinds = (rows: readonly ReportRow[]) => rows.map((r) => [r.issueId, r.kind]);
  const all = () => t.store.listReports({ limit: 100 }).reverse();

  describe('queueing reports', () => {
    it('queues one done report when a tracked issue finishes done, with its tracker and the time of the outcome', () => {
      track('a');
      finish('a', 'done', 10);
      expect(all()).toEqual([
        {
          id: all()[0]!.id,
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

    it('queues one failed report when a tracked issue fails, and none while it still has attempts left', () => {
      track('a');
      finish('a', 'queued', 10);
      expect(all()).toEqual([]);
      finish('a', 'failed', 20);
      expect(kinds(all())).toEqual([['a', 'failed']]);
    });

    it('queues nothing for an untracked issue', () => {
      track('tracked');
      t.store.importIssues([issue('a'), issue('b')], 1);
      finish('a', 'done', 10);
      finish('b', 'failed', 20);
      expect(all()).toEqual([]);
      expect(t.store.reportCounts()).toEqual({ pending: 0, sending: 0, sent: 0, rejected: 0 });
    });

    it('queues a second report when a failed issue is retried and then done', () => {
      track('a');
      finish('a', 'failed', 10);
      t.store.retryIssues(['a'], 20);
      expect(kinds(all())).toEqual([['a', 'failed']]);
      finish('a', 'done', 30);
      expect(kinds(all())).toEqual([
        ['a', 'failed'],
        ['a', 'done'],
      ]);
      expect(all()[1]!.id).toBeGreaterThan(all()[0]!.id);
    });

    it('queues the report when a merge outcome ends the issue, not when it starts merging', () => {
      track('a');
      finish('a', 'merging', 10);
      expect(all()).toEqual([]);
      const entry = t.store.enqueueMerge({ issueId: 'a', branch: 'harness/a', head: null, now: 12 });
      t.store.setMergeState(entry.id, { state: 'merging' }, 13);
      t.store.setMergeState(entry.id, { state: 'landed', endedAt: 14 }, 14, { status: 'done' });
      expect(all().map((r) => [r.kind, r.createdAt])).toEqual([['done', 14]]);
    });

    it('queues nothing when the change is refused', () => {
      track('a');
      const sessionId = startOne(t.store, 'a', 10);
      t.store.finishSession(sessionId, { outcome: 'success', endedAt: 11 }, { status: 'done' });
      expect(() => t.store.finishSession(sessionId, { outcome: 'success', endedAt: 12 }, { status: 'done' })).toThrow();
      expect(all()).toHaveLength(1);
    });

    it('tracks ids before they are imported, and keeps what a known id has', () => {
      t.store.trackIssues([{ id: 'a', source: 'github', url: 'https://github.com/o/r/issues/1' }]);
      t.store.trackIssues([
        { id: 'a', source: 'beads', url: null },
        { id: 'b', source: 'beads', url: null },
      ]);
      expect(t.store.trackerOf('a')).toEqual({ source: 'github', url: 'https://github.com/o/r/issues/1' });
      expect(t.store.trackerOf('b')).toEqual({ source: 'beads', url: null });
      expect(t.store.trackerOf('c')).toBeUndefined();
      expect(t.store.getIssue('a')).toBeUndefined();
      t.store.importIssues([issue('a')], 1);
      finish('a', 'done', 10);
      expect(all().map((r) => [r.source, r.url])).toEqual([['github', 'https://github.com/o/r/issues/1']]);
    });
  });

  describe('failing issues that will never run', () => {
    it('inserts unknown ids failed with the reason and no session, and fails backlog and queued ones', () => {
      t.store.importIssues([issue('backlog'), issue('queued', 1)], 1);
      t.store.admit(1, 2);
      expect(t.store.getIssue('queued')?.status).toBe('queued');
      const reason = 'blocker X failed';
      const { failed, view } = t.store.failUnrun([issue('new', 0, { labels: ['l'] }), issue('backlog'), issue('queued')], reason, 5);
      expect(failed).toBe(3);
      expect(view.counts).toMatchObject({ backlog: 0, queued: 0, failed: 3 });
      expect(t.store.getIssue('new')).toMatchObject({ status: 'failed', lastError: reason, attempts: 0, labels: ['l'], createdAt: 5, updatedAt: 5 });
      expect(t.store.getIssue('new')!.seq).toBeGreaterThan(t.store.getIssue('queued')!.seq);
      for (const id of ['backlog', 'queued']) expect(t.store.getIssue(id)).toMatchObject({ status: 'failed', lastError: reason, notBefore: null, updatedAt: 5 });
      for (const id of ['new', 'backlog', 'queued']) expect(t.store.sessionsForIssue(id)).toEqual([]);
      expect(t.store.countIssues()).toMatchObject({ failed: 3 });
      // Nothing left to dispatch.
      expect(t.store.claim({ sessionId: 's', workerId: 'w', now: 6, logPath: () => null }).issue).toBeNull();
      expect(t.store.admit(5, 6).count).toBe(0);
    });

    it('leaves running, merging, done and failed issues as they are', () => {
      finish('done', 'done', 10);
      finish('failed', 'failed', 20);
      finish('merging', 'merging', 30);
      startOne(t.store, 'running', 40);
      const before = ['done', 'failed', 'merging', 'running'].map((id) => t.store.getIssue(id));
      const result = t.store.failUnrun(['done', 'failed', 'merging', 'running'].map((id) => issue(id)), 'blocker failed', 50);
      expect(result.failed).toBe(0);
      expect(['done', 'failed', 'merging', 'running'].map((id) => t.store.getIssue(id))).toEqual(before);
    });

    it('counts a repeated id once', () => {
      expect(t.store.failUnrun([issue('a'), issue('a')], 'blocker failed', 1).failed).toBe(1);
      expect(t.store.countIssues()).toMatchObject({ failed: 1 });
    });

    it('queues a failed report for each tracked issue it fails, inserted or known, and none for the others', () => {
      t.store.importIssues([issue('known'), issue('untracked')], 1);
      track('known', 'new');
      t.store.failUnrun([issue('new'), issue('known'), issue('untracked')], 'blocker failed', 5);
      expect(all().map((r) => [r.issueId, r.kind, r.createdAt])).toEqual([
        ['new', 'failed', 5],
        ['known', 'failed', 5],
      ]);
      // Failing it again changes nothing, so owes nothing.
      t.store.failUnrun([issue('new')], 'blocker failed', 6);
      expect(all()).toHaveLength(2);
    });
  });

  describe('sending reports', () => {
    /** Tracked issues `ids`, each done in turn: one pending report each, oldest first. */
    const owed = (...ids: string[]): ReportRow[] => {
      track(...ids);
      ids.forEach((id, i) => finish(id, 'done', 10 * (i + 1)));
      return all();
    };

    it('starts a send (sending, one more attempt), sends again after a failed one, and settles it sent', () => {
      const [report] = owed('a');
      const started = t.store.startReport(report!.id, 100);
      expect(started).toEqual({ ...report, state: 'sending', attempts: 1, lastAttemptAt: 100 });
      t.store.settleReport(report!.id, { state: 'pending', at: 101, error: 'tracker unreachable: ECONNREFUSED' });
      expect(t.store.unsettledReports(10)).toEqual([{ ...started, state: 'pending', error: 'tracker unreachable: ECONNREFUSED' }]);
      expect(t.store.startReport(report!.id, 200)).toMatchObject({ state: 'sending', attempts: 2, lastAttemptAt: 200, settledAt: null });
      t.store.settleReport(report!.id, { state: 'sent', at: 201, error: null });
      expect(t.store.listReports({ limit: 1 })).toEqual([{ ...report, state: 'sent', attempts: 2, lastAttemptAt: 200, settledAt: 201, error: null }]);
      expect(t.store.unsettledReports(10)).toEqual([]);
    });

    it('settles a report rejected for good, with why', () => {
      const [report] = owed('a');
      t.store.startReport(report!.id, 100);
      t.store.settleReport(report!.id, { state: 'rejected', at: 101, error: 'issue closed by someone else' });
      expect(t.store.listReports({ limit: 1 })[0]).toMatchObject({ state: 'rejected', settledAt: 101, error: 'issue closed by someone else', attempts: 1 });
      expect(t.store.unsettledReports(10)).toEqual([]);
    });

    it('starts again a report a crash left sending', () => {
      const [report] = owed('a');
      t.store.startReport(report!.id, 100);
      expect(t.store.startReport(report!.id, 200)).toMatchObject({ state: 'sending', attempts: 2, lastAttemptAt: 200 });
    });

    it('hands out unsettled reports oldest first, sending ones included, at most `limit`', () => {
      const [a, b, c, d] = owed('a', 'b', 'c', 'd');
      t.store.startReport(a!.id, 100);
      t.store.startReport(c!.id, 100);
      t.store.settleReport(c!.id, { state: 'sent', at: 101, error: null });
      t.store.startReport(b!.id, 102);
      t.store.settleReport(b!.id, { state: 'pending', at: 103, error: 'timeout' });
      expect(t.store.unsettledReports(10).map((r) => [r.issueId, r.state])).toEqual([
        ['a', 'sending'],
        ['b', 'pending'],
        ['d', 'pending'],
      ]);
      expect(t.store.unsettledReports(2).map((r) => r.id)).toEqual([a!.id, b!.id]);
      expect(t.store.unsettledReports(0)).toEqual([]);
      expect(d!.id).toBeGreaterThan(c!.id);
    });

    it('refuses to start or settle an unknown report, or a settled one, and changes nothing', () => {
      const [sent, rejected] = owed('a', 'b');
      expect(() => t.store.startReport(999_999, 1)).toThrow(StoreError);
      expect(() => t.store.startReport(999_999, 1)).toThrow(/report 999999: no such report/);
      expect(() => t.store.settleReport(999_999, { state: 'sent', at: 1, error: null })).toThrow(/no such report/);
      t.store.settleReport(sent!.id, { state: 'sent', at: 100, error: null });
      t.store.settleReport(rejected!.id, { state: 'rejected', at: 100, error: 'no such issue' });
      const before = all();
      for (const id of [sent!.id, rejected!.id]) {
        expect(() => t.store.startReport(id, 200)).toThrow(/already (sent|rejected) at 100/);
        expect(() => t.store.settleReport(id, { state: 'pending', at: 200, error: 'again' })).toThrow(/a settled report is final/);
      }
      expect(all()).toEqual(before);
    });

    it('counts reports by state', () => {
      const [a, b, c] = owed('a', 'b', 'c', 'd');
      t.store.startReport(a!.id, 100);
      t.store.settleReport(b!.id, { state: 'sent', at: 100, error: null });
      t.store.settleReport(c!.id, { state: 'rejected', at: 100, error: 'gone' });
      expect(t.store.reportCounts()).toEqual({ pending: 1, sending: 1, sent: 1, rejected: 1 });
    });

    it('lists the latest reports first, optionally in one state, at most `limit`', () => {
      const [a, b, c] = owed('a', 'b', 'c');
      t.store.settleReport(a!.id, { state: 'sent', at: 100, error: null });
      t.store.settleReport(c!.id, { state: 'sent', at: 100, error: null });
      expect(t.store.listReports({ limit: 10 }).map((r) => r.issueId)).toEqual(['c', 'b', 'a']);
      expect(t.store.listReports({ limit: 2 }).map((r) => r.issueId)).toEqual(['c', 'b']);
      expect(t.store.listReports({ state: 'sent', limit: 10 }).map((r) => r.issueId)).toEqual(['c', 'a']);
      expect(t.store.listReports({ state: 'sent', limit: 1 }).map((r) => r.id)).toEqual([c!.id]);
      expect(t.store.listReports({ state: 'pending', limit: 10 }).map((r) => r.id)).toEqual([b!.id]);
      expect(t.store.listReports({ state: 'rejected', limit: 10 })).toEqual([]);
      expect(t.store.listReports({ limit: 0 })).toEqual([]);
    });
  });
}
