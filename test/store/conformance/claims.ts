import { describe, expect, it } from 'vitest';
import { IllegalTransitionError, StoreError } from '../../../src/errors.js';
import { freshStore, ids, issue, startOne, type MakeStore } from './fixtures.js';

/** ClaimPort: admission, claims and the queue they leave. */
export function describeClaims(make: MakeStore): void {
  const t = freshStore(make);
  const claim = (sessionId: string, now: number, workerId = 'w1') => t.store.claim({ sessionId, workerId, now, logPath: () => `/l/${sessionId}` });

  describe('admitting', () => {
    it('moves the most urgent backlog issues to queued, up to the limit, and answers the queue', async () => {
      await t.store.importIssues([issue('late', 3), issue('b1', 2), issue('urgent', 0), issue('b2', 2)], 1);
      const admitted = await t.store.admit(3, 50);
      expect(admitted.count).toBe(3);
      expect(admitted.view.counts).toMatchObject({ backlog: 1, queued: 3 });
      expect(ids(await t.store.listIssues('queued'))).toEqual(['urgent', 'b1', 'b2']);
      expect((await t.store.listIssues('queued')).every((r) => r.updatedAt === 50)).toBe(true);
      expect(await t.store.getIssue('urgent')).toMatchObject({ status: 'queued', updatedAt: 50, createdAt: 1 });
      expect((await t.store.getIssue('late'))?.status).toBe('backlog');
    });

    it('admits nothing for a zero limit and stops when the backlog is empty', async () => {
      await t.store.importIssues([issue('a'), issue('b')], 1);
      expect((await t.store.admit(0, 2)).count).toBe(0);
      expect((await t.store.admit(10, 3)).count).toBe(2);
      expect((await t.store.admit(10, 4)).count).toBe(0);
      expect((await t.store.countIssues()).queued).toBe(2);
    });
  });

  describe('claiming', () => {
    it('claims the most urgent queued issue, P0 ahead of P2: issue running, attempts + 1, a session opened', async () => {
      await t.store.importIssues([issue('p2', 2), issue('p0', 0), issue('p1', 1)], 1);
      await t.store.admit(3, 2);
      const { issue: claimed, view } = await claim('s1', 10, 'w7');
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
      expect(await t.store.getSession('s1')).toEqual(expected);
      expect(await t.store.getIssue('p0')).toMatchObject({ status: 'running', attempts: 1 });
      expect((await claim('s2', 11)).issue?.id).toBe('p1');
      expect((await claim('s3', 12)).issue?.id).toBe('p2');
    });

    it('claims nothing when nothing is queued, and never a backlog issue', async () => {
      expect((await claim('s0', 0)).issue).toBeNull();
      await t.store.importIssues([issue('a')], 1);
      expect((await claim('s1', 2)).issue).toBeNull();
      expect(await t.store.getIssue('a')).toMatchObject({ status: 'backlog', attempts: 0 });
      expect(await t.store.openSessions()).toEqual([]);
    });

    it('refuses a session id already used, changing nothing', async () => {
      await t.store.importIssues([issue('a'), issue('b')], 1);
      await t.store.admit(2, 2);
      await claim('s1', 3);
      await expect(async () => claim('s1', 4)).rejects.toThrow(StoreError);
      expect(await t.store.getIssue('b')).toMatchObject({ status: 'queued', attempts: 0 });
      expect(ids(await t.store.openSessions())).toEqual(['s1']);
    });

    it('honours a retry backoff, and a retried issue keeps its place by seq', async () => {
      await t.store.importIssues([issue('old'), issue('new')], 1);
      const s = await startOne(t.store, 'old', 3);
      await t.store.admit(1, 4);
      await t.store.finishSession(s, { outcome: 'failure', endedAt: 10 }, { status: 'queued', notBefore: 100 });
      expect(await t.store.getIssue('old')).toMatchObject({ status: 'queued', notBefore: 100 });
      // Before its backoff ends, only `new` can be claimed, however often one asks.
      expect((await claim('n1', 99)).issue?.id).toBe('new');
      expect((await claim('n2', 99)).issue).toBeNull();
      await t.store.finishSession('n1', { outcome: 'failure', endedAt: 99 }, { status: 'queued' });
      // Once it ends, `old` comes first again: it was imported first.
      expect((await claim('o1', 100)).issue?.id).toBe('old');
      expect((await claim('n3', 100)).issue?.id).toBe('new');
    });

    it('says when the earliest backoff ends in the queue view', async () => {
      expect((await t.store.queueView(0)).nextRetryAt).toBeNull();
      await t.store.importIssues([issue('a'), issue('b'), issue('c')], 1);
      await t.store.admit(3, 1);
      expect((await claim('sa', 2)).issue?.id).toBe('a');
      expect((await claim('sb', 2)).issue?.id).toBe('b');
      await t.store.finishSession('sa', { outcome: 'failure', endedAt: 3 }, { status: 'queued', notBefore: 500 });
      const view = await t.store.finishSession('sb', { outcome: 'failure', endedAt: 3 }, { status: 'queued', notBefore: 300 });
      expect(view.nextRetryAt).toBe(300);
      expect((await claim('c', 4)).issue?.id).toBe('c');
      expect((await claim('b2', 400)).issue?.id).toBe('b');
      expect((await t.store.queueView(400)).nextRetryAt).toBe(500);
      expect((await claim('a2', 600)).issue?.id).toBe('a');
      expect(await t.store.queueView(600)).toMatchObject({ nextRetryAt: null, counts: { queued: 0, running: 3 } });
    });
  });

  describe('state machine', () => {
    it('refuses a transition the issue state machine does not allow, with a typed error, changing nothing', async () => {
      const s = await startOne(t.store, 'a', 1);
      await expect(async () => t.store.finishSession(s, { outcome: 'success', endedAt: 2 }, { status: 'backlog' })).rejects.toThrow(IllegalTransitionError);
      expect(await t.store.getIssue('a')).toMatchObject({ status: 'running' });
      expect(await t.store.getSession(s)).toMatchObject({ endedAt: null, outcome: null });
      await t.store.finishSession(s, { outcome: 'success', endedAt: 3 }, { status: 'done' });
      expect(await t.store.retryIssues(['a'], 4)).toMatchObject({ retried: [], notFailed: [{ id: 'a', status: 'done' }] });
    });
  });
}
