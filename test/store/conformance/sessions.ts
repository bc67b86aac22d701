import { describe, expect, it } from 'vitest';
import { freshStore, ids, startOne, type MakeStore } from './fixtures.js';

/** SessionPort: a session's life after its claim. */
export function describeSessions(make: MakeStore): void {
  const t = freshStore(make);
  const start = (id: string, now: number) => startOne(t.store, id, now);

  it('records the process, progress and a stall of a session (the first stall only)', async () => {
    const s = await start('a', 10);
    await t.store.setSessionProcess(s, 4242, 4240);
    await t.store.touchSession(s, 25);
    await t.store.markStalled(s, 40);
    await t.store.markStalled(s, 50);
    expect(await t.store.getSession(s)).toMatchObject({ pid: 4242, pgid: 4240, lastProgressAt: 25, startedAt: 10, stalledAt: 40 });
  });

  it("keeps a running session's latest activity and spend so far, leaves the spend totals alone, and lets its end write the final figures", async () => {
    const s = await start('a', 10);
    expect((await t.store.getSession(s))?.activity).toBeUndefined();
    const spend = { costUsd: 0.5, inputTokens: 100, outputTokens: 20, cacheReadTokens: 3, cacheWriteTokens: 4 };
    await t.store.recordActivity(s, { at: 15, text: 'Bash: npm test', ...spend });
    expect(await t.store.getSession(s)).toMatchObject({ activity: { at: 15, text: 'Bash: npm test' }, usage: { costUsd: 0.5, inputTokens: 100, outputTokens: 20, cacheReadTokens: 3, cacheWriteTokens: 4 } });
    // A report without text keeps the last activity; the figures are the session's so far, not added up.
    await t.store.recordActivity(s, { at: 18, text: null, ...spend, costUsd: 0.75, inputTokens: 150 });
    expect(await t.store.getSession(s)).toMatchObject({ activity: { at: 18, text: 'Bash: npm test' }, usage: { costUsd: 0.75, inputTokens: 150 } });
    expect((await t.store.queueView(18)).spent).toEqual({ costUsd: 0, inputTokens: 0, outputTokens: 0 });

    const final = { agentSessionId: null, model: null, turns: 2, costUsd: 1.25, inputTokens: 200, outputTokens: 30, cacheReadTokens: 0, cacheWriteTokens: 0, agentError: null };
    const view = await t.store.finishSession(s, { outcome: 'success', endedAt: 20, usage: final }, { status: 'done' });
    // A fraction of a dollar, as agents report it, is added as it is.
    expect(view.spent).toEqual({ costUsd: 1.25, inputTokens: 200, outputTokens: 30 });
    // An ended session takes no more activity.
    await t.store.recordActivity(s, { at: 25, text: 'late', ...spend });
    expect(await t.store.getSession(s)).toMatchObject({ activity: { at: 18, text: 'Bash: npm test' }, usage: { costUsd: 1.25, inputTokens: 200 } });
  });

  it('finishes a session and applies the transition, answering the queue', async () => {
    const s = await start('a', 10);
    const view = await t.store.finishSession(
      s,
      { outcome: 'failure', endedAt: 70, exitCode: 3, signal: null, reason: 'tests failed' },
      { status: 'queued', notBefore: 200, lastError: 'exit 3' },
    );
    expect(view).toMatchObject({ counts: { queued: 1, running: 0 }, nextRetryAt: 200 });
    expect(await t.store.getSession(s)).toMatchObject({ endedAt: 70, outcome: 'failure', exitCode: 3, signal: null, reason: 'tests failed' });
    expect(await t.store.getIssue('a')).toMatchObject({ status: 'queued', attempts: 1, notBefore: 200, lastError: 'exit 3', updatedAt: 70 });
    expect(await t.store.openSessions()).toEqual([]);
  });

  it('defaults missing end fields to null and notBefore to null', async () => {
    const s = await start('a', 10);
    await t.store.finishSession(s, { outcome: 'timeout', endedAt: 20 }, { status: 'queued' });
    expect(await t.store.getSession(s)).toMatchObject({ exitCode: null, signal: null, reason: null });
    expect((await t.store.getIssue('a'))?.notBefore).toBeNull();
  });

  it('throws when finishing a session twice or one that does not exist', async () => {
    const s = await start('a', 10);
    await t.store.finishSession(s, { outcome: 'success', endedAt: 20 }, { status: 'done' });
    await expect(async () => t.store.finishSession(s, { outcome: 'failure', endedAt: 30 }, { status: 'failed' })).rejects.toThrow(/already/);
    expect(await t.store.getSession(s)).toMatchObject({ outcome: 'success', endedAt: 20 });
    expect((await t.store.getIssue('a'))?.status).toBe('done');
    await expect(async () => t.store.finishSession('ghost', { outcome: 'success', endedAt: 1 }, { status: 'done' })).rejects.toThrow(/ghost/);
  });

  it('refunds the attempt of a cancelled session', async () => {
    const s1 = await start('a', 10);
    await t.store.finishSession(s1, { outcome: 'failure', endedAt: 20 }, { status: 'queued' });
    const s2 = await start('a', 30);
    expect((await t.store.getSession(s2))?.attempt).toBe(2);
    await t.store.finishSession(s2, { outcome: 'cancelled', endedAt: 40 }, { status: 'queued', refundAttempt: true });
    expect((await t.store.getIssue('a'))?.attempts).toBe(1);
    const s3 = await start('a', 50);
    expect((await t.store.getSession(s3))?.attempt).toBe(2);
  });

  it('leaves lastError and branch when undefined, clears them when null', async () => {
    const s1 = await start('a', 10);
    await t.store.finishSession(s1, { outcome: 'failure', endedAt: 11 }, { status: 'queued', lastError: 'boom', branch: 'harness/a' });
    const s2 = await start('a', 12);
    await t.store.finishSession(s2, { outcome: 'failure', endedAt: 13 }, { status: 'queued' });
    expect(await t.store.getIssue('a')).toMatchObject({ lastError: 'boom', branch: 'harness/a' });
    const s3 = await start('a', 14);
    await t.store.finishSession(s3, { outcome: 'stalled', endedAt: 15 }, { status: 'queued', lastError: null });
    expect(await t.store.getIssue('a')).toMatchObject({ lastError: null, branch: 'harness/a' });
    const s4 = await start('a', 16);
    await t.store.finishSession(s4, { outcome: 'failure', endedAt: 17 }, { status: 'failed', branch: null, lastError: 'gave up' });
    expect(await t.store.getIssue('a')).toMatchObject({ status: 'failed', lastError: 'gave up', branch: null });
  });

  it('lists open sessions, sessions of an issue and finished sessions', async () => {
    const a1 = await start('a', 10);
    const b1 = await start('b', 20);
    expect(ids(await t.store.openSessions())).toEqual([a1, b1]);
    await t.store.finishSession(b1, { outcome: 'success', endedAt: 50 }, { status: 'done' });
    await t.store.finishSession(a1, { outcome: 'failure', endedAt: 40 }, { status: 'queued' });
    const a2 = await start('a', 60);
    expect(ids(await t.store.openSessions())).toEqual([a2]);
    expect(ids(await t.store.sessionsForIssue('a'))).toEqual([a1, a2]);
    expect((await t.store.sessionsForIssue('a')).map((s) => s.attempt)).toEqual([1, 2]);
    expect(await t.store.sessionsForIssue('nobody')).toEqual([]);
    // Ascending by end time, whatever order they finished in; open ones excluded.
    expect(ids(await t.store.finishedSessions())).toEqual([a1, b1]);
    expect(ids(await t.store.finishedSessions(40))).toEqual([a1, b1]);
    expect(ids(await t.store.finishedSessions(41))).toEqual([b1]);
    expect(await t.store.finishedSessions(51)).toEqual([]);
    expect(await t.store.getSession('missing')).toBeUndefined();
  });
}
