import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ISSUE_STATUSES } from '../../src/core/states.js';
import type { IssueInput, MetricsSnapshotRow, RunLockInfo, Store } from '../../src/store/types.js';
import { StoreError } from '../../src/errors.js';

/**
 * The behaviour every Store implementation must share. Each implementation's
 * test file calls this once; anything implementation-specific (files, WAL,
 * migrations) is tested beside it.
 */
export function describeStoreConformance(name: string, make: () => { store: Store; cleanup(): void }): void {
  describe(`${name} conformance`, () => {
    let store: Store;
    let cleanup: () => void;

    beforeEach(() => {
      ({ store, cleanup } = make());
    });
    afterEach(() => cleanup());

    const issue = (id: string, priority = 2, extra: Partial<IssueInput> = {}): IssueInput => ({
      id,
      title: `title of ${id}`,
      body: `body of ${id}`,
      priority,
      labels: [],
      ...extra,
    });
    const ids = (rows: readonly { id: string }[]) => rows.map((r) => r.id);

    /** Import, admit and start one issue; returns the session id. */
    const startOne = (id: string, now: number, sessionId = `s-${id}-${now}`): string => {
      if (!store.getIssue(id)) store.importIssues([issue(id)], now);
      if (store.getIssue(id)?.status === 'backlog') {
        // Admit only this issue: others may be waiting in the backlog.
        const waiting = store.listIssues('backlog');
        expect(waiting[0]?.id, 'startOne needs its issue at the head of the backlog').toBe(id);
        store.admit(1, now);
      }
      store.startSession({ sessionId, issueId: id, workerId: 'w1', now, logPath: `/logs/${sessionId}.log` });
      return sessionId;
    };

    it('describes where its state lives', () => {
      expect(typeof store.location).toBe('string');
      expect(store.location.length).toBeGreaterThan(0);
    });

    describe('batches', () => {
      it('keeps every change made in a batch', () => {
        const result = store.batch(() => {
          store.importIssues([issue('a'), issue('b')], 1);
          store.admit(2, 2);
          const session = startOne('a', 3);
          store.setSessionProcess(session, 41, 41);
          return session;
        });
        expect(store.getSession(result)).toMatchObject({ issueId: 'a', pid: 41, pgid: 41 });
        expect(store.countIssues()).toMatchObject({ running: 1, queued: 1 });
      });

      it('applies nothing of a change that throws inside a batch, and keeps the others when the error is caught', () => {
        store.importIssues([issue('a')], 1);
        store.admit(1, 2);
        store.batch(() => {
          startOne('a', 3, 's-1');
          expect(() => startOne('a', 4, 's-2')).toThrow(StoreError);
          store.setSessionProcess('s-1', 7, 7);
        });
        expect(store.getSession('s-2')).toBeUndefined();
        expect(store.getSession('s-1')).toMatchObject({ pid: 7, attempt: 1 });
        expect(store.getIssue('a')).toMatchObject({ status: 'running', attempts: 1 });
      });
    });

    describe('importing issues', () => {
      it('adds new ids to the backlog with increasing seq and reports counts', () => {
        expect(store.importIssues([issue('a'), issue('b', 1, { labels: ['x', 'y'] })], 100)).toEqual({ added: 2, known: 0 });
        const a = store.getIssue('a');
        const b = store.getIssue('b');
        expect(a).toEqual({
          ...issue('a'),
          status: 'backlog',
          attempts: 0,
          priorAttempts: 0,
          seq: a?.seq,
          createdAt: 100,
          updatedAt: 100,
          notBefore: null,
          lastError: null,
          branch: null,
        });
        expect(b?.labels).toEqual(['x', 'y']);
        expect(b!.seq).toBeGreaterThan(a!.seq);
      });

      it('leaves known ids exactly as they were and continues seq after the largest', () => {
        store.importIssues([issue('a'), issue('b')], 100);
        startOne('a', 110);
        const before = store.getIssue('a');
        const bSeq = store.getIssue('b')!.seq;

        const result = store.importIssues([issue('a', 0, { title: 'changed' }), issue('c'), issue('b')], 200);
        expect(result).toEqual({ added: 1, known: 2 });
        expect(store.getIssue('a')).toEqual(before);
        expect(store.getIssue('c')!.seq).toBeGreaterThan(bSeq);
        expect(store.getIssue('c')!.createdAt).toBe(200);
      });

      it('counts a repeated id within one batch once', () => {
        expect(store.importIssues([issue('a'), issue('a', 0, { title: 'second' })], 1)).toEqual({ added: 1, known: 1 });
        expect(store.getIssue('a')?.title).toBe('title of a');
        expect(store.importIssues([], 2)).toEqual({ added: 0, known: 0 });
      });

      it('returns undefined for an unknown id', () => {
        expect(store.getIssue('nope')).toBeUndefined();
      });

      it('round-trips unicode and hostile text exactly', () => {
        const hostile = [
          `'; DROP TABLE issues; --`,
          '"double" and `back` quotes \\ backslash',
          '$(rm -rf /) && echo ${HOME} | cat',
          'naïve café 日本語 עברית 🚀👩‍💻',
          'tabs\tnew\nlines\r\ncontrol\u0001\u0007\u001b[31m\u007f',
          '%s %d ?1 :name @param',
        ];
        hostile.forEach((text, i) => {
          store.importIssues([issue(`id-${text}`, i, { title: text, body: text.repeat(3), labels: [text, ''] })], 1);
          const row = store.getIssue(`id-${text}`);
          expect(row?.title).toBe(text);
          expect(row?.body).toBe(text.repeat(3));
          expect(row?.labels).toEqual([text, '']);
        });
        const last = hostile.at(-1)!;
        store.admit(hostile.length, 2);
        // Start the issue whose text is hostile, through the session columns as well.
        store.startSession({ sessionId: `s-${last}`, issueId: `id-${last}`, workerId: last, now: 3, logPath: last });
        store.finishSession(
          `s-${last}`,
          { outcome: 'failure', endedAt: 4, signal: last, reason: last },
          { status: 'queued', lastError: last, branch: last },
        );
        expect(store.getSession(`s-${last}`)).toMatchObject({ workerId: last, logPath: last, signal: last, reason: last });
        expect(store.getIssue(`id-${last}`)).toMatchObject({ lastError: last, branch: last });
      });
    });

    describe('listing and counting', () => {
      it('lists in priority then seq order, with priority 0 before 2', () => {
        store.importIssues([issue('p2-first', 2), issue('p1', 1), issue('p2-second', 2), issue('p0', 0)], 1);
        expect(ids(store.listIssues())).toEqual(['p0', 'p1', 'p2-first', 'p2-second']);
      });

      it('filters by status', () => {
        store.importIssues([issue('a'), issue('b'), issue('c')], 1);
        store.admit(1, 2);
        expect(ids(store.listIssues('queued'))).toEqual(['a']);
        expect(ids(store.listIssues('backlog'))).toEqual(['b', 'c']);
        expect(store.listIssues('done')).toEqual([]);
      });

      it('counts every status, zero included', () => {
        const empty = store.countIssues();
        expect(Object.keys(empty).sort()).toEqual([...ISSUE_STATUSES].sort());
        expect(Object.values(empty).every((n) => n === 0)).toBe(true);

        store.importIssues([issue('a'), issue('b'), issue('c'), issue('d')], 1);
        store.admit(3, 2);
        const s = startOne('a', 3);
        store.finishSession(s, { outcome: 'success', endedAt: 4 }, { status: 'done' });
        startOne('b', 5);
        expect(store.countIssues()).toEqual({ backlog: 1, queued: 1, running: 1, merging: 0, done: 1, failed: 0 });
      });
    });

    describe('admitting', () => {
      it('moves the most urgent backlog issues to queued, up to the limit', () => {
        store.importIssues([issue('late', 3), issue('b1', 2), issue('urgent', 0), issue('b2', 2)], 1);
        const admitted = store.admit(3, 50);
        expect(ids(admitted)).toEqual(['urgent', 'b1', 'b2']);
        expect(admitted.every((r) => r.status === 'queued' && r.updatedAt === 50)).toBe(true);
        expect(store.getIssue('urgent')).toMatchObject({ status: 'queued', updatedAt: 50, createdAt: 1 });
        expect(store.getIssue('late')?.status).toBe('backlog');
      });

      it('admits nothing for a zero limit and stops when the backlog is empty', () => {
        store.importIssues([issue('a'), issue('b')], 1);
        expect(store.admit(0, 2)).toEqual([]);
        expect(ids(store.admit(10, 3))).toEqual(['a', 'b']);
        expect(store.admit(10, 4)).toEqual([]);
        expect(store.countIssues().queued).toBe(2);
      });
    });

    describe('choosing the next queued issue', () => {
      it('returns the most urgent, P0 ahead of P2, without changing state', () => {
        store.importIssues([issue('p2', 2), issue('p0', 0), issue('p1', 1)], 1);
        store.admit(3, 2);
        expect(store.nextQueued(10)?.id).toBe('p0');
        expect(store.nextQueued(10)?.id).toBe('p0');
        expect(store.getIssue('p0')?.status).toBe('queued');
      });

      it('returns undefined when nothing is queued', () => {
        expect(store.nextQueued(0)).toBeUndefined();
        store.importIssues([issue('a')], 1);
        expect(store.nextQueued(2)).toBeUndefined();
      });

      it('respects notBefore, and a retried issue keeps its place by seq', () => {
        store.importIssues([issue('old'), issue('new')], 1);
        store.admit(1, 2);
        const s = startOne('old', 3);
        store.admit(1, 4);
        store.finishSession(s, { outcome: 'failure', endedAt: 10 }, { status: 'queued', notBefore: 100 });

        expect(store.getIssue('old')).toMatchObject({ status: 'queued', notBefore: 100 });
        expect(store.nextQueued(99)?.id).toBe('new');
        expect(store.nextQueued(100)?.id).toBe('old');
        // Asking about an earlier time again must still honour the backoff.
        expect(store.nextQueued(50)?.id).toBe('new');
        expect(store.nextQueued(1000)?.id).toBe('old');
      });

      it('reports the earliest retry time among queued issues', () => {
        expect(store.nextRetryAt()).toBeNull();
        store.importIssues([issue('a'), issue('b'), issue('c')], 1);
        store.admit(3, 1);
        const sa = startOne('a', 2);
        const sb = startOne('b', 2);
        store.finishSession(sa, { outcome: 'failure', endedAt: 3 }, { status: 'queued', notBefore: 500 });
        store.finishSession(sb, { outcome: 'failure', endedAt: 3 }, { status: 'queued', notBefore: 300 });
        expect(store.nextRetryAt()).toBe(300);
        startOne('b', 400);
        expect(store.nextRetryAt()).toBe(500);
        startOne('a', 600);
        expect(store.nextRetryAt()).toBeNull();
      });
    });

    describe('sessions', () => {
      it('starts a session: issue running, attempts + 1, notBefore cleared', () => {
        store.importIssues([issue('a')], 1);
        store.admit(1, 2);
        const session = store.startSession({ sessionId: 's1', issueId: 'a', workerId: 'w7', now: 10, logPath: '/l/s1' });
        const expected = {
          id: 's1',
          issueId: 'a',
          workerId: 'w7',
          attempt: 1,
          pid: null,
          pgid: null,
          startedAt: 10,
          lastProgressAt: 10,
          endedAt: null,
          outcome: null,
          exitCode: null,
          signal: null,
          logPath: '/l/s1',
          reason: null,
        };
        expect(session).toEqual(expected);
        expect(store.getSession('s1')).toEqual(expected);
        expect(store.getIssue('a')).toMatchObject({ status: 'running', attempts: 1, notBefore: null, updatedAt: 10 });
        expect(store.getSession('missing')).toBeUndefined();
      });

      it('refuses to start a session for an issue that is not queued, changing nothing', () => {
        store.importIssues([issue('a')], 1);
        const start = (sessionId: string) =>
          store.startSession({ sessionId, issueId: 'a', workerId: 'w', now: 5, logPath: null });
        expect(() => start('s0')).toThrow(/queued/);
        expect(store.getIssue('a')).toMatchObject({ status: 'backlog', attempts: 0 });
        store.admit(1, 2);
        start('s1');
        expect(() => start('s2')).toThrow(/queued/);
        expect(() =>
          store.startSession({ sessionId: 's3', issueId: 'ghost', workerId: 'w', now: 5, logPath: null }),
        ).toThrow(/ghost/);
        expect(store.getIssue('a')?.attempts).toBe(1);
        expect(ids(store.openSessions())).toEqual(['s1']);
      });

      it('records the process and progress of a session', () => {
        const s = startOne('a', 10);
        store.setSessionProcess(s, 4242, 4240);
        store.touchSession(s, 25);
        expect(store.getSession(s)).toMatchObject({ pid: 4242, pgid: 4240, lastProgressAt: 25, startedAt: 10 });
      });

      it('finishes a session and applies the transition', () => {
        const s = startOne('a', 10);
        store.finishSession(
          s,
          { outcome: 'failure', endedAt: 70, exitCode: 3, signal: null, reason: 'tests failed' },
          { status: 'queued', notBefore: 200, lastError: 'exit 3' },
        );
        expect(store.getSession(s)).toMatchObject({ endedAt: 70, outcome: 'failure', exitCode: 3, signal: null, reason: 'tests failed' });
        expect(store.getIssue('a')).toMatchObject({ status: 'queued', attempts: 1, notBefore: 200, lastError: 'exit 3', updatedAt: 70 });
        expect(store.openSessions()).toEqual([]);
      });

      it('defaults missing end fields to null and notBefore to null', () => {
        const s = startOne('a', 10);
        store.finishSession(s, { outcome: 'timeout', endedAt: 20 }, { status: 'queued' });
        expect(store.getSession(s)).toMatchObject({ exitCode: null, signal: null, reason: null });
        expect(store.getIssue('a')?.notBefore).toBeNull();
      });

      it('throws when finishing a session twice or one that does not exist', () => {
        const s = startOne('a', 10);
        store.finishSession(s, { outcome: 'success', endedAt: 20 }, { status: 'done' });
        expect(() => store.finishSession(s, { outcome: 'failure', endedAt: 30 }, { status: 'failed' })).toThrow(/already/);
        expect(store.getSession(s)).toMatchObject({ outcome: 'success', endedAt: 20 });
        expect(store.getIssue('a')?.status).toBe('done');
        expect(() => store.finishSession('ghost', { outcome: 'success', endedAt: 1 }, { status: 'done' })).toThrow(/ghost/);
      });

      it('refunds the attempt of a cancelled session', () => {
        const s1 = startOne('a', 10);
        store.finishSession(s1, { outcome: 'failure', endedAt: 20 }, { status: 'queued' });
        const s2 = startOne('a', 30);
        expect(store.getSession(s2)?.attempt).toBe(2);
        store.finishSession(s2, { outcome: 'cancelled', endedAt: 40 }, { status: 'queued', refundAttempt: true });
        expect(store.getIssue('a')?.attempts).toBe(1);
        const s3 = startOne('a', 50);
        expect(store.getSession(s3)?.attempt).toBe(2);
      });

      it('leaves lastError and branch when undefined, clears them when null', () => {
        const s1 = startOne('a', 10);
        store.finishSession(s1, { outcome: 'failure', endedAt: 11 }, { status: 'queued', lastError: 'boom', branch: 'harness/a' });
        const s2 = startOne('a', 12);
        store.finishSession(s2, { outcome: 'failure', endedAt: 13 }, { status: 'queued' });
        expect(store.getIssue('a')).toMatchObject({ lastError: 'boom', branch: 'harness/a' });
        const s3 = startOne('a', 14);
        store.finishSession(s3, { outcome: 'stalled', endedAt: 15 }, { status: 'queued', lastError: null });
        expect(store.getIssue('a')).toMatchObject({ lastError: null, branch: 'harness/a' });
        const s4 = startOne('a', 16);
        store.finishSession(s4, { outcome: 'failure', endedAt: 17 }, { status: 'failed', branch: null, lastError: 'gave up' });
        expect(store.getIssue('a')).toMatchObject({ status: 'failed', lastError: 'gave up', branch: null });
      });

      it('lists open sessions, sessions of an issue and finished sessions', () => {
        const a1 = startOne('a', 10);
        const b1 = startOne('b', 20);
        expect(ids(store.openSessions())).toEqual([a1, b1]);

        store.finishSession(b1, { outcome: 'success', endedAt: 50 }, { status: 'done' });
        store.finishSession(a1, { outcome: 'failure', endedAt: 40 }, { status: 'queued' });
        const a2 = startOne('a', 60);
        expect(ids(store.openSessions())).toEqual([a2]);
        expect(ids(store.sessionsForIssue('a'))).toEqual([a1, a2]);
        expect(store.sessionsForIssue('a').map((s) => s.attempt)).toEqual([1, 2]);
        expect(store.sessionsForIssue('nobody')).toEqual([]);

        // Ascending by end time, whatever order they finished in; open ones excluded.
        expect(ids(store.finishedSessions())).toEqual([a1, b1]);
        expect(ids(store.finishedSessions(40))).toEqual([a1, b1]);
        expect(ids(store.finishedSessions(41))).toEqual([b1]);
        expect(store.finishedSessions(51)).toEqual([]);
      });
    });

    describe('retrying failed issues', () => {
      /** An issue that failed after two attempts. */
      const failTwice = (id: string, now: number): void => {
        const first = startOne(id, now);
        store.finishSession(first, { outcome: 'failure', endedAt: now + 1 }, { status: 'queued' });
        const second = startOne(id, now + 2);
        store.finishSession(second, { outcome: 'failure', endedAt: now + 3 }, { status: 'failed', lastError: 'failure after 2 attempts' });
      };

      it('puts a failed issue back in the backlog with a fresh budget, keeping its sessions and numbering after them', () => {
        failTwice('a', 10);
        expect(store.retryIssues(['a'], 20)).toEqual({ retried: ['a'], unknown: [], notFailed: [] });
        expect(store.getIssue('a')).toMatchObject({ status: 'backlog', attempts: 0, priorAttempts: 2, notBefore: null, updatedAt: 20 });
        expect(store.sessionsForIssue('a').map((s) => s.attempt)).toEqual([1, 2]);
        expect(store.countIssues()).toMatchObject({ failed: 0, backlog: 1 });
        expect(ids(store.admit(5, 21))).toEqual(['a']);
        const third = store.startSession({ sessionId: 'third', issueId: 'a', workerId: 'w1', now: 22, logPath: null });
        expect(third.attempt).toBe(3);
        expect(store.getIssue('a')).toMatchObject({ attempts: 1, priorAttempts: 2 });
      });

      it('changes nothing when an id is unknown or its issue is not failed, and says which', () => {
        failTwice('a', 10);
        store.importIssues([issue('b')], 30);
        expect(store.retryIssues(['a', 'b', 'nope', 'a'], 31)).toEqual({ retried: [], unknown: ['nope'], notFailed: [{ id: 'b', status: 'backlog' }] });
        expect(store.getIssue('a')).toMatchObject({ status: 'failed', attempts: 2, priorAttempts: 0 });
      });
    });

    describe('workers, scaling, backpressure and snapshots', () => {
      it('upserts workers', () => {
        store.upsertWorker({ id: 'w2', state: 'idle', sessionsRun: 0, createdAt: 20, retiredAt: null });
        store.upsertWorker({ id: 'w1', state: 'busy', sessionsRun: 0, createdAt: 10, retiredAt: null });
        store.upsertWorker({ id: 'w1', state: 'retired', sessionsRun: 5, createdAt: 10, retiredAt: 99, retireReason: 'recycled: session quota reached' });
        expect(store.listWorkers()).toEqual([
          { id: 'w1', state: 'retired', sessionsRun: 5, createdAt: 10, retiredAt: 99, retireReason: 'recycled: session quota reached' },
          { id: 'w2', state: 'idle', sessionsRun: 0, createdAt: 20, retiredAt: null, retireReason: null },
        ]);
      });

      it('appends scale operations and lists them since a time', () => {
        store.recordScaleOperation({ at: 10, direction: 'up', from: 1, to: 3, reason: 'queue deep' });
        store.recordScaleOperation({ at: 20, direction: 'down', from: 3, to: 2, reason: 'idle' });
        expect(store.listScaleOperations()).toEqual([
          { at: 10, direction: 'up', from: 1, to: 3, reason: 'queue deep' },
          { at: 20, direction: 'down', from: 3, to: 2, reason: 'idle' },
        ]);
        expect(store.listScaleOperations(11).map((o) => o.at)).toEqual([20]);
        expect(store.listScaleOperations(20).map((o) => o.at)).toEqual([20]);
      });

      it('appends backpressure changes with booleans', () => {
        store.recordBackpressure({ at: 5, active: true, queueDepth: 40 });
        store.recordBackpressure({ at: 9, active: false, queueDepth: 3 });
        expect(store.listBackpressure()).toEqual([
          { at: 5, active: true, queueDepth: 40 },
          { at: 9, active: false, queueDepth: 3 },
        ]);
        expect(store.listBackpressure(6)).toEqual([{ at: 9, active: false, queueDepth: 3 }]);
      });

      it('appends metric snapshots and returns every field as written', () => {
        const snapshot = (at: number, backpressureActive: boolean): MetricsSnapshotRow => ({
          at,
          currentWorkers: 4,
          activeWorkers: 3,
          idleWorkers: 1,
          stalledWorkers: 0,
          queueDepth: 12,
          mergeQueueDepth: 2,
          throughputPerMinute: 1.5,
          avgSessionDurationMs: 61_000.25,
          p95SessionDurationMs: 120_000,
          p99SessionDurationMs: 180_000,
          successRate: 0.875,
          totalSessionsCompleted: 7,
          totalSessionsFailed: 1,
          health: 'degraded',
          backpressureActive,
          scaleOperations: 2,
        });
        store.recordSnapshot(snapshot(100, true));
        store.recordSnapshot(snapshot(200, false));
        expect(store.listSnapshots()).toEqual([snapshot(100, true), snapshot(200, false)]);
        expect(store.listSnapshots(150)).toEqual([snapshot(200, false)]);
        expect(store.listSnapshots(201)).toEqual([]);
      });
    });

    describe('merge queue', () => {
      /** An issue that finished its session and is now waiting to merge. */
      const merging = (id: string, now: number): void => {
        const sessionId = startOne(id, now);
        store.finishSession(sessionId, { outcome: 'success', endedAt: now + 1 }, { status: 'merging', branch: `harness/${id}` });
      };

      it('appends queued entries with increasing ids and serves them oldest first', () => {
        merging('a', 10);
        merging('b', 20);
        const first = store.enqueueMerge({ issueId: 'b', branch: 'harness/b', head: 'bbb', now: 30 });
        const second = store.enqueueMerge({ issueId: 'a', branch: 'harness/a', head: null, now: 31 });
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
        expect(store.nextMerges(5).map((e) => e.issueId)).toEqual(['b', 'a']);
        expect(store.nextMerges(1).map((e) => e.issueId)).toEqual(['b']);
        expect(store.nextMerges(0)).toEqual([]);
        expect(store.mergeDepth()).toBe(2);
        // Reading does not take entries off the queue.
        expect(store.nextMerges(5)).toHaveLength(2);
      });

      it('refuses an entry for an unknown issue', () => {
        expect(() => store.enqueueMerge({ issueId: 'nope', branch: 'harness/nope', head: null, now: 1 })).toThrow(/nope/);
      });

      it('supersedes an older active entry of the same issue', () => {
        merging('a', 10);
        const old = store.enqueueMerge({ issueId: 'a', branch: 'harness/a', head: 'one', now: 11 });
        const fresh = store.enqueueMerge({ issueId: 'a', branch: 'harness/a', head: 'two', now: 12 });
        expect(store.getMerge(old.id)).toMatchObject({ state: 'rejected', endedAt: 12, reason: expect.stringMatching(/superseded/) });
        expect(store.nextMerges(5).map((e) => e.id)).toEqual([fresh.id]);
        expect(store.mergeDepth()).toBe(1);
      });

      it('updates an entry, keeping the fields it is not given, and lists by state', () => {
        merging('a', 10);
        merging('b', 20);
        const a = store.enqueueMerge({ issueId: 'a', branch: 'harness/a', head: 'h', now: 30 });
        const b = store.enqueueMerge({ issueId: 'b', branch: 'harness/b', head: 'h', now: 31 });
        const updated = store.setMergeState(a.id, { state: 'merging', startedAt: 40, base: 'base1', verifyPid: 7, verifyPgid: 7 }, 40);
        expect(updated).toMatchObject({ state: 'merging', startedAt: 40, base: 'base1', head: 'h', verifyPid: 7 });
        expect(store.getMerge(a.id)).toEqual(updated);
        expect(store.nextMerges(5).map((e) => e.id)).toEqual([b.id]);
        expect(store.listMerges('merging').map((e) => e.id)).toEqual([a.id]);
        expect(store.listMerges().map((e) => e.id)).toEqual([a.id, b.id]);
        expect(store.mergeDepth()).toBe(2);
        // The entry's issue does not change without a transition.
        expect(store.getIssue('a')?.status).toBe('merging');
      });

      it('applies the issue transition in the same call', () => {
        merging('a', 10);
        merging('b', 20);
        const a = store.enqueueMerge({ issueId: 'a', branch: 'harness/a', head: 'h', now: 30 });
        const b = store.enqueueMerge({ issueId: 'b', branch: 'harness/b', head: 'h', now: 31 });
        store.setMergeState(a.id, { state: 'landed', endedAt: 50, result: 'r1' }, 50, { status: 'done', lastError: null });
        store.setMergeState(b.id, { state: 'rejected', endedAt: 51, reason: 'conflict in x.txt' }, 51, {
          status: 'queued',
          notBefore: null,
          lastError: 'conflict in x.txt',
        });
        expect(store.getIssue('a')).toMatchObject({ status: 'done', updatedAt: 50, lastError: null });
        expect(store.getIssue('b')).toMatchObject({ status: 'queued', updatedAt: 51, lastError: 'conflict in x.txt', attempts: 1 });
        expect(store.countIssues()).toMatchObject({ merging: 0, done: 1, queued: 1 });
        expect(store.nextQueued(51)?.id).toBe('b');
        expect(store.mergeDepth()).toBe(0);
        expect(store.listMerges('landed').map((e) => e.result)).toEqual(['r1']);
      });

      it('refuses a transition for an issue that is not merging, changing nothing', () => {
        merging('a', 10);
        const a = store.enqueueMerge({ issueId: 'a', branch: 'harness/a', head: 'h', now: 30 });
        store.setMergeState(a.id, { state: 'landed' }, 31, { status: 'done' });
        expect(() => store.setMergeState(a.id, { state: 'rejected' }, 32, { status: 'queued' })).toThrow(/must be merging/);
        expect(store.getMerge(a.id)?.state).toBe('landed');
        expect(() => store.setMergeState(999, { state: 'queued' }, 33)).toThrow(/999/);
      });
    });

    describe('run lock', () => {
      const me: RunLockInfo = { pid: 100, hostname: 'box', startedAt: 1_000, heartbeatAt: 1_000 };
      const other: RunLockInfo = { pid: 200, hostname: 'box', startedAt: 500, heartbeatAt: 900 };
      const alive = () => true;
      const dead = () => false;

      it('is granted when free, and again to the same process', () => {
        expect(store.acquireRunLock(me, alive)).toEqual({ acquired: true });
        expect(store.acquireRunLock({ ...me, heartbeatAt: 2_000 }, alive)).toEqual({ acquired: true });
      });

      it('is refused while a live process on this host holds it, naming the holder', () => {
        store.acquireRunLock(other, alive);
        const probed: number[] = [];
        const result = store.acquireRunLock(me, (pid) => (probed.push(pid), true));
        expect(result).toEqual({ acquired: false, holder: other });
        expect(probed).toEqual([200]);
      });

      it('is taken over from a dead process on this host, naming it', () => {
        store.acquireRunLock(other, alive);
        expect(store.acquireRunLock(me, dead)).toEqual({ acquired: true, taken: { holder: other, why: 'dead' } });
        expect(store.acquireRunLock(other, alive)).toEqual({ acquired: false, holder: me });
      });

      it("is taken over when the holder's pid belongs to another process now, however fresh its heartbeat", () => {
        const holder = { ...other, processStart: 'boot-a/500' };
        store.acquireRunLock(holder, alive);
        const identify = (pid: number) => (pid === 200 ? 'boot-b/42' : null);
        expect(store.acquireRunLock(me, alive, { identify })).toEqual({ acquired: true, taken: { holder, why: 'reused' } });
      });

      it('is refused while the process that took it still has the pid, however old its heartbeat', () => {
        const holder = { ...other, processStart: 'boot-a/500' };
        store.acquireRunLock(holder, alive);
        const identify = () => 'boot-a/500';
        expect(store.acquireRunLock({ ...me, heartbeatAt: 10_000_000 }, alive, { identify })).toEqual({ acquired: false, holder });
      });

      it('is judged by its heartbeat when the identity of its holder cannot be compared', () => {
        store.acquireRunLock(other, alive);
        const identify = () => 'boot-a/1';
        // No identity recorded (an older harness): a live pid holds the lock only while the heartbeat is fresh.
        expect(store.acquireRunLock({ ...me, heartbeatAt: 60_900 }, alive, { identify })).toMatchObject({ acquired: false });
        expect(store.acquireRunLock({ ...me, heartbeatAt: 60_901 }, alive, { identify })).toEqual({ acquired: true, taken: { holder: other, why: 'stale' } });
        // Identity recorded but unreadable now (no /proc): the same rule.
        const recorded = { ...other, pid: 300, processStart: 'boot-a/7', heartbeatAt: 100_000 };
        store.acquireRunLock(recorded, dead, { force: true });
        expect(store.acquireRunLock({ ...me, heartbeatAt: 150_000 }, alive, { identify: () => null })).toMatchObject({ acquired: false });
        expect(store.acquireRunLock({ ...me, heartbeatAt: 170_000 }, alive, { identify: () => null })).toMatchObject({ acquired: true, taken: { why: 'stale' } });
      });

      it('is taken from a live holder when forced, naming the holder', () => {
        store.acquireRunLock(other, alive);
        expect(store.acquireRunLock(me, alive, { force: true })).toEqual({ acquired: true, taken: { holder: other, why: 'forced' } });
        expect(store.acquireRunLock(other, alive)).toEqual({ acquired: false, holder: me });
      });

      it('is taken from another host only once its heartbeat is over a minute old', () => {
        const remote: RunLockInfo = { pid: 100, hostname: 'elsewhere', startedAt: 0, heartbeatAt: 10_000 };
        store.acquireRunLock(remote, alive);
        // Same pid on a different host is a different process.
        expect(store.acquireRunLock({ ...me, heartbeatAt: 70_000 }, dead)).toEqual({ acquired: false, holder: remote });
        store.heartbeatRunLock(100, 20_000);
        expect(store.acquireRunLock({ ...me, heartbeatAt: 75_000 }, dead)).toMatchObject({ acquired: false });
        expect(store.acquireRunLock({ ...me, heartbeatAt: 80_001 }, alive)).toEqual({
          acquired: true,
          taken: { holder: { ...remote, heartbeatAt: 20_000 }, why: 'stale' },
        });
      });

      it('records heartbeats only from the holder and is released only by the holder', () => {
        store.acquireRunLock(other, alive);
        store.heartbeatRunLock(999, 5_000);
        store.heartbeatRunLock(200, 1_500);
        store.releaseRunLock(999);
        expect(store.acquireRunLock(me, alive)).toEqual({ acquired: false, holder: { ...other, heartbeatAt: 1_500 } });
        store.releaseRunLock(200);
        expect(store.acquireRunLock(me, alive)).toEqual({ acquired: true });
      });
    });
  });
}
