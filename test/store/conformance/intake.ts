import { describe, expect, it } from 'vitest';
import { freshStore, ids, issue, startOne, type MakeStore } from './fixtures.js';

/** IntakePort: issues arriving, failed issues retried. */
export function describeIntake(make: MakeStore): void {
  const t = freshStore(make);

  describe('importing issues', () => {
    it('adds new ids to the backlog with increasing seq, and answers the counts and the queue', async () => {
      const result = await t.store.importIssues([issue('a'), issue('b', 1, { labels: ['x', 'y'] })], 100);
      expect(result).toMatchObject({ added: 2, known: 0 });
      expect(result.view.counts).toMatchObject({ backlog: 2, queued: 0 });
      const a = await t.store.getIssue('a');
      const b = await t.store.getIssue('b');
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
        resumeFrom: null,
        spentUsd: 0,
        spentTokens: 0,
      });
      expect(b?.labels).toEqual(['x', 'y']);
      expect(b!.seq).toBeGreaterThan(a!.seq);
    });

    it('leaves known ids exactly as they were and continues seq after the largest', async () => {
      await t.store.importIssues([issue('a'), issue('b')], 100);
      await startOne(t.store, 'a', 110);
      const before = await t.store.getIssue('a');
      const bSeq = (await t.store.getIssue('b'))!.seq;
      const result = await t.store.importIssues([issue('a', 0, { title: 'changed' }), issue('c'), issue('b')], 200);
      expect(result).toMatchObject({ added: 1, known: 2 });
      expect(await t.store.getIssue('a')).toEqual(before);
      expect((await t.store.getIssue('c'))!.seq).toBeGreaterThan(bSeq);
      expect((await t.store.getIssue('c'))!.createdAt).toBe(200);
    });

    it('counts a repeated id within one batch once', async () => {
      expect(await t.store.importIssues([issue('a'), issue('a', 0, { title: 'second' })], 1)).toMatchObject({ added: 1, known: 1 });
      expect((await t.store.getIssue('a'))?.title).toBe('title of a');
      expect(await t.store.importIssues([], 2)).toMatchObject({ added: 0, known: 0 });
    });

    it('round-trips unicode and hostile text exactly, through the session columns too', async () => {
      const hostile = [
        `'; DROP TABLE issues; --`,
        '"double" and `back` quotes \\ backslash',
        '$(rm -rf /) && echo ${HOME} | cat',
        'naïve café 日本語 עברית 🚀👩‍💻',
        'tabs\tnew\nlines\r\ncontrol\u0001\u0007\u001b[31m\u007f',
        '%s %d ?1 :name @param',
      ];
      for (const [i, text] of hostile.entries()) {
        await t.store.importIssues([issue(`id-${text}`, i, { title: text, body: text.repeat(3), labels: [text, ''] })], 1);
        const row = await t.store.getIssue(`id-${text}`);
        expect(row?.title).toBe(text);
        expect(row?.body).toBe(text.repeat(3));
        expect(row?.labels).toEqual([text, '']);
      }
      const last = hostile.at(-1)!;
      await t.store.admit(hostile.length, 2);
      // Every earlier issue is more urgent; take them first, then start the last one with its hostile text everywhere.
      for (let i = 0; i < hostile.length - 1; i++) await t.store.claim({ sessionId: `skip-${i}`, workerId: 'w', now: 3, logPath: () => null });
      const { issue: claimed } = await t.store.claim({ sessionId: `s-${last}`, workerId: last, now: 3, logPath: () => last });
      expect(claimed?.id).toBe(`id-${last}`);
      await t.store.finishSession(`s-${last}`, { outcome: 'failure', endedAt: 4, signal: last, reason: last }, { status: 'queued', lastError: last, branch: last });
      expect(await t.store.getSession(`s-${last}`)).toMatchObject({ workerId: last, logPath: last, signal: last, reason: last });
      expect(await t.store.getIssue(`id-${last}`)).toMatchObject({ lastError: last, branch: last });
    });
  });

  describe('retrying failed issues', () => {
    /** An issue that failed after two attempts. */
    const failTwice = async (id: string, now: number): Promise<void> => {
      const first = await startOne(t.store, id, now);
      await t.store.finishSession(first, { outcome: 'failure', endedAt: now + 1 }, { status: 'queued' });
      const second = await startOne(t.store, id, now + 2);
      await t.store.finishSession(second, { outcome: 'failure', endedAt: now + 3 }, { status: 'failed', lastError: 'failure after 2 attempts' });
    };

    it('puts a failed issue back in the backlog with a fresh budget, keeping its sessions and numbering after them', async () => {
      await failTwice('a', 10);
      expect(await t.store.retryIssues(['a'], 20)).toEqual({ retried: ['a'], unknown: [], notFailed: [] });
      expect(await t.store.getIssue('a')).toMatchObject({ status: 'backlog', attempts: 0, priorAttempts: 2, notBefore: null, updatedAt: 20 });
      expect((await t.store.sessionsForIssue('a')).map((s) => s.attempt)).toEqual([1, 2]);
      expect(await t.store.countIssues()).toMatchObject({ failed: 0, backlog: 1 });
      expect((await t.store.admit(5, 21)).count).toBe(1);
      await t.store.claim({ sessionId: 'third', workerId: 'w1', now: 22, logPath: () => null });
      expect((await t.store.getSession('third'))?.attempt).toBe(3);
      expect(await t.store.getIssue('a')).toMatchObject({ attempts: 1, priorAttempts: 2 });
    });

    it('changes nothing when an id is unknown or its issue is not failed, and says which', async () => {
      await failTwice('a', 10);
      await t.store.importIssues([issue('b')], 30);
      expect(await t.store.retryIssues(['a', 'b', 'nope', 'a'], 31)).toEqual({ retried: [], unknown: ['nope'], notFailed: [{ id: 'b', status: 'backlog' }] });
      expect(await t.store.getIssue('a')).toMatchObject({ status: 'failed', attempts: 2, priorAttempts: 0 });
      expect(ids(await t.store.listIssues('failed'))).toEqual(['a']);
    });
  });
}
