import { describe, expect, it } from 'vitest';
import { IllegalTransitionError, StoreError } from '../../../src/errors.js';
import { freshStore, ids, issue, startOne, type MakeStore } from './fixtures.js';

/** ClaimPort: admission, claims and the queue they leave. */
export function describeClaims(make: MakeStore): void {
  const t = freshStore(make);
  const claim = (sessionId: string, now: number, workerId = 'w1') => t.store.claim({ sessionId, workerId, now, logPath: () => `/l/${sessionId}` });

  describe('admitting', () => {
    it('moves the most urgent backlog issues to queued, up to the limit, and answers the queue', () => {
      t.store.importIssues([issue('late', 3), issue('b1', 2), issue('urgent', 0), issue('b2', 2)], 1);
      const admitted = t.store.admit(3, 50);
      expect(admitted.count).toBe(3);
      expect(admitted.view.counts).toMatchObject({ backlog: 1, queued: 3 });
      expect(ids(t.store.listIssues('queued'))).toEqual(['urgent', 'b1', 'b2']);
      expect(t.store.listIssues('queued').every((r) => r.updatedAt === 50)).toBe(true);
      expect(t.store.getIssue('urgent')).toMatchObject({ status: 'queued', updatedAt: 50, createdAt: 1 });
      expect(t.store.getIssue('late')?.status).toBe('backlog');
    });

    it('admits nothing for a zero limit and stops when the backlog is empty', () => {
      t.store.importIssues([issue('a'), issue('b')], 1);
      expect(t.store.admit(0, 2).count).toBe(0);
      expect(t.store.admit(10, 3).count).toBe(2);
      expect(t.store.admit(10, 4).count).toBe(0);
      expect(t.store.countIssues().queued).toBe(2);
    });
  });

  describe('claiming', () => {
    it('claims the most urgent queued issue, P0 ahead of P2: issue running, attempts + 1, a session opened', () => {
      t.store.importIssues([issue('p2', 2), issue('p0', 0), issue('p1', 1)], 1);
      t.store.admit(3, 2);
      const { issue: claimed, view } = claim('s1', 10, 'w7');
      expect(claimed).toMatchObject({ id: 'p0', status: 'running', attempts: 1, notBefore: null, updatedAt: 10 });
      expect(view.counts).toMatchObject({ queued: 2, running: 1 });
      const expected = {
        id: 's1',
        issueId: 'p0',
        workerId: 'w7',
        attempt: 1,
        pid: null,
        pgid: null,
        startedAt: 10,
        lastProgressAt: 10,
        stalledAt: null,
        endedAt: null,
        outcome: null,
        exitCode: null,
        signal: null,
        logPath: '/l/s1',
        reason: null,
        usage: null,
      };
      expect(t.store.getSession('s1')).toEqual(expected);
      expect(t.store.getIssue('p0')).toMatchObject({ status: 'running', attempts: 1 });
      expect(claim('s2', 11).issue?.id).toBe('p1');
      expect(claim('s3', 12).issue?.id).toBe('p2');
    });

    it('claims nothing when nothing is queued, and never a backlog issue', () => {
      expect(claim('s0', 0).issue).toBeNull();
      t.store.importIssues([issue('a')], 1);
      expect(claim('s1', 2).issue).toBeNull();
      expect(t.store.getIssue('a')).toMatchObject({ status: 'backlog', attempts: 0 });
      expect(t.store.openSessions()).toEqual([]);
    });

    it('refuses a session id already used, changing nothing', () => {
      t.store.importIssues([issue('a'), issue('b')], 1);
      t.store.admit(2, 2);
      claim('s1', 3);
      expect(() => claim('s1', 4)).toThrow(StoreError);
      expect(t.store.getIssue('b')).toMatchObject({ status: 'queued', attempts: 0 });
      expect(ids(t.store.openSessions())).toEqual(['s1']);
    });

    it('honours a retry backoff, and a retried issue keeps its place by seq', () => {
      t.store.importIssues([issue('old'), issue('new')], 1);
      const s = startOne(t.store, 'old', 3);
      t.store.admit(1, 4);
      t.store.finishSession(s, { outcome: 'failure', endedAt: 10 }, { status: 'queued', notBefore: 100 });
      expect(t.store.getIssue('old')).toMatchObject({ status: 'queued', notBefore: 100 });
      // Before its backoff ends, only `new` can be claimed, however often one asks.
      expect(claim('n1', 99).issue?.id).toBe('new');
      expect(claim('n2', 99).issue).toBeNull();
      t.store.finishSession('n1', { outcome: 'failure', endedAt: 99 }, { status: 'queued' });
      // Once it ends, `old` comes first again: it was imported first.
      expect(claim('o1', 100).issue?.id).toBe('old');
      expect(claim('n3', 100).issue?.id).toBe('new');
    });

    it('says when the earliest backoff ends in the queue view', () => {
      expect(t.store.queueView(0).nextRetryAt).toBeNull();
      t.store.importIssues([issue('a'), issue('b'), issue('c')], 1);
      t.store.admit(3, 1);
      expect(claim('sa', 2).issue?.id).toBe('a');
      expect(claim('sb', 2).issue?.id).toBe('b');
      t.store.finishSession('sa', { outcome: 'failure', endedAt: 3 }, { status: 'queued', notBefore: 500 });
      const view = t.store.finishSession('sb', { outcome: 'failure', endedAt: 3 }, { status: 'queued', notBefore: 300 });
      expect(view.nextRetryAt).toBe(300);
      expect(claim('c', 4).issue?.id).toBe('c');
      expect(claim('b2', 400).issue?.id).toBe('b');
      expect(t.store.queueView(400).nextRetryAt).toBe(500);
      expect(claim('a2', 600).issue?.id).toBe('a');
      expect(t.store.queueView(600)).toMatchObject({ nextRetryAt: null, counts: { queued: 0, running: 3 } });
    });
  });

  describe('state machine', () => {
    it('refuses a transition the issue state machine does not allow, with a typed error, changing nothing', () => {
      const s = startOne(t.store, 'a', 1);
      expect(() => t.store.finishSession(s, { outcome: 'success', endedAt: 2 }, { status: 'backlog' })).toThrow(IllegalTransitionError);
      expect(t.store.getIssue('a')).toMatchObject({ status: 'running' });
      expect(t.store.getSession(s)).toMatchObject({ endedAt: null, outcome: null });
      t.store.finishSession(s, { outcome: 'success', endedAt: 3 }, { status: 'done' });
      expect(t.store.retryIssues(['a'], 4)).toMatchObject({ retried: [], notFailed: [{ id: 'a', status: 'done' }] });
    });
  });
}
