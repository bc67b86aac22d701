import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/ports.js';
import { startSessionOn } from '../helpers/store.js';

const issue = (id: string) => ({ id, title: `t ${id}`, body: '', priority: 2, labels: [] });

/** What only a SQL store shows of the outbox: a report commits or rolls back with its outcome, and outlives the process. */
describe('SqliteStore outbox on disk', () => {
  let dir: string;
  let path: string;
  const opened: { close(): void }[] = [];
  const track = <T extends { close(): void }>(handle: T): T => (opened.push(handle), handle);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'harness-outbox-'));
    path = join(dir, 'state.db');
  });
  afterEach(() => {
    for (const handle of opened.splice(0)) handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A store with tracked issue `a` running in session s-a. */
  function running(store: Store): void {
    store.trackIssues([{ id: 'a', source: 'github', url: 'https://github.com/o/r/issues/1' }]);
    store.importIssues([issue('a')], 1);
    startSessionOn(store, { sessionId: 's-a', issueId: 'a', workerId: 'w1', now: 2, logPath: null });
  }

  it('rolls a report back with its outcome when the batch that made them throws', () => {
    const store = track(openStore(path));
    running(store);
    expect(() =>
      store.batch(() => {
        store.finishSession('s-a', { outcome: 'success', endedAt: 3 }, { status: 'done' });
        expect(store.unsettledReports(10)).toHaveLength(1);
        throw new Error('the batch fails after the outcome');
      }),
    ).toThrow('the batch fails after the outcome');
    expect(store.getIssue('a')?.status).toBe('running');
    expect(store.openSessions().map((s) => s.id)).toEqual(['s-a']);
    expect(store.listReports({ limit: 10 })).toEqual([]);
  });

  it('rolls the outcome back when its report cannot be written', () => {
    const store = track(openStore(path));
    running(store);
    const raw = track(new Database(path));
    raw.exec("CREATE TRIGGER refuse_reports BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'no room for reports'); END");
    expect(() => store.finishSession('s-a', { outcome: 'success', endedAt: 3 }, { status: 'done' })).toThrow(/no room for reports/);
    expect(store.getIssue('a')?.status).toBe('running');
    expect(store.openSessions().map((s) => s.id)).toEqual(['s-a']);
  });

  it('keeps a report that was being sent when the harness stopped unsettled, to send again', () => {
    const first = openStore(path);
    running(first);
    first.finishSession('s-a', { outcome: 'success', endedAt: 3 }, { status: 'done' });
    const [report] = first.unsettledReports(10);
    first.startReport(report!.id, 4);
    // The process dies here: nothing settles the send.
    first.close();

    const second = track(openStore(path));
    expect(second.getIssue('a')?.status).toBe('done');
    expect(second.unsettledReports(10)).toEqual([{ ...report, state: 'sending', attempts: 1, lastAttemptAt: 4 }]);
    expect(second.trackerOf('a')).toEqual({ source: 'github', url: 'https://github.com/o/r/issues/1' });
  });

  it('queues a report for a status change made by any writer, and none for a write that keeps the status', () => {
    const store = track(openStore(path));
    running(store);
    const raw = track(new Database(path));
    raw.exec("UPDATE issues SET status = 'running', title = 'renamed' WHERE id = 'a'");
    expect(store.listReports({ limit: 10 })).toEqual([]);
    raw.exec("UPDATE issues SET status = 'failed', updated_at = 9 WHERE id = 'a'");
    raw.exec("UPDATE issues SET status = 'failed', updated_at = 10 WHERE id = 'a'");
    expect(store.listReports({ limit: 10 }).map((r) => [r.kind, r.createdAt])).toEqual([['failed', 9]]);
  });
});
