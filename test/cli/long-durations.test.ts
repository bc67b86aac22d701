import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/open.js';
import { fixture, guardProcesses, makeIO, tempDir, waitFor, writeIssues } from '../helpers/cli.js';

/**
 * Durations beyond what one Node timer holds (2^31 − 1 ms, about 24.8 days)
 * overflow to 1 ms unless the clock waits in steps. 720 h is 30 days.
 */
const { cleanups, markers } = guardProcesses();

function setup(ids: string[]) {
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  const file = writeIssues(tmp.dir, ids.map((id) => ({ id, title: `title of ${id}` })));
  const t = makeIO(tmp.dir);
  markers.push(t.marker);
  return { dir: tmp.dir, file, t, db: join(tmp.dir, '.harness', 'state.db') };
}

function snapshots(db: string): number {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (conn.prepare('SELECT count(*) AS n FROM metric_snapshots').get() as { n: number }).n;
  } finally {
    conn.close();
  }
}

function sessions(db: string, id: string) {
  const store = openStore(db);
  try {
    return store.sessionsForIssue(id).map((s) => s.outcome);
  } finally {
    store.close();
  }
}

describe('durations longer than a Node timer holds', () => {
  it('--session-timeout 720h lets a session finish instead of timing it out at once', async () => {
    const { file, t, db } = setup(['a', 'b']);
    const code = await main(['run', '--issues', file, '--agent', fixture('succeed.mjs'), '--session-timeout', '720h', '--min-workers', '2', '--max-workers', '2'], t.io);
    expect(t.stdout()).not.toMatch(/session timeout/);
    expect(code).toBe(0);
    expect([...sessions(db, 'a'), ...sessions(db, 'b')]).toEqual(['success', 'success']);
  });

  it('--health-interval 720h checks once at the start instead of every millisecond', async () => {
    const { file, t, db } = setup(['a']);
    const code = await main(['run', '--issues', file, '--agent', fixture('heartbeat.mjs'), '--health-interval', '720h', '--min-workers', '1', '--max-workers', '1'], {
      ...t.io,
      env: { ...t.io.env, FIXTURE_MS: '300' },
    });
    expect(code).toBe(0);
    expect(snapshots(db)).toBeLessThanOrEqual(2);
  });
});
