import { mkdtempSync, openSync, rmSync, writeFileSync, writeSync, closeSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate, schemaVersion, type Migration } from '../../src/store/sqlite/migrations.js';
import { openStore } from '../../src/store/open.js';
import { describeStoreConformance } from './conformance/index.js';
import { startSessionOn } from '../helpers/store.js';

describeStoreConformance('SqliteStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'harness-store-'));
  const location = join(dir, 'state.db');
  const store = openStore(location);
  return {
    store,
    location,
    cleanup: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteStore on disk', () => {
  let dir: string;
  let path: string;
  const opened: { close(): void }[] = [];
  /** Open a store or raw connection that is closed after the test. */
  const track = <T extends { close(): void }>(handle: T): T => (opened.push(handle), handle);
  const issue = (id: string) => ({ id, title: `t ${id}`, body: '', priority: 2, labels: ['l'] });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'harness-store-'));
    path = join(dir, 'state.db');
  });
  afterEach(() => {
    for (const handle of opened.splice(0)) handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates missing parent directories', () => {
    const nested = join(dir, 'a', 'b', 'state.db');
    track(openStore(nested)).importIssues([issue('x')], 1);
    expect(existsSync(nested)).toBe(true);
  });

  it('opens an in-memory database', () => {
    const store = track(openStore(':memory:'));
    store.importIssues([issue('x')], 1);
    expect(store.getIssue('x')?.status).toBe('backlog');
  });

  it('puts the database in WAL mode', () => {
    track(openStore(path));
    const raw = track(new Database(path));
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('keeps its data across close and reopen', () => {
    const first = openStore(path);
    first.importIssues([issue('a'), issue('b')], 1);
    first.admit(1, 2);
    startSessionOn(first, { sessionId: 's1', issueId: 'a', workerId: 'w1', now: 3, logPath: null });
    first.finishSession('s1', { outcome: 'failure', endedAt: 9 }, { status: 'queued', lastError: 'boom' });
    first.upsertWorker({ id: 'w1', state: 'idle', sessionsRun: 1, createdAt: 1, retiredAt: null });
    first.acquireRunLock({ pid: 10, hostname: 'h', startedAt: 1, heartbeatAt: 1 }, () => true);
    first.close();

    const second = track(openStore(path));
    expect(second.getIssue('a')).toMatchObject({ status: 'queued', attempts: 1, lastError: 'boom', labels: ['l'] });
    expect(second.finishedSessions().map((s) => s.id)).toEqual(['s1']);
    expect(second.listWorkers().map((w) => w.id)).toEqual(['w1']);
    expect(second.acquireRunLock({ pid: 11, hostname: 'h', startedAt: 2, heartbeatAt: 2 }, () => true)).toMatchObject({
      acquired: false,
      holder: { pid: 10 },
    });
    expect(second.importIssues([issue('c')], 20)).toMatchObject({ added: 1, known: 0 });
    expect(second.getIssue('c')!.seq).toBeGreaterThan(second.getIssue('b')!.seq);
  });

  it('applies migrations once: reopening leaves version and data alone', () => {
    openStore(path).close();
    const store = openStore(path);
    store.importIssues([issue('a')], 1);
    store.close();
    track(openStore(path)).close();

    const raw = track(new Database(path));
    expect(schemaVersion(raw)).toBe(LATEST_SCHEMA_VERSION);
    expect(raw.prepare('SELECT count(*) AS n FROM issues').get()).toEqual({ n: 1 });
  });

  it('lets a second connection read while the first writes, and see what it committed', () => {
    const writer = track(openStore(path));
    const reader = track(openStore(path));
    writer.importIssues([issue('a')], 1);
    expect(reader.getIssue('a')?.title).toBe('t a');

    // Hold the write lock open on a raw connection: readers must not block or fail.
    const raw = track(new Database(path));
    raw.exec("BEGIN IMMEDIATE; UPDATE issues SET title = 'renamed' WHERE id = 'a'");
    expect(reader.getIssue('a')?.title).toBe('t a');
    expect(reader.countIssues().backlog).toBe(1);
    raw.exec('COMMIT');
    expect(reader.getIssue('a')?.title).toBe('renamed');
  });

  it('shares the run lock between connections', () => {
    const a = track(openStore(path));
    const b = track(openStore(path));
    const holder = { pid: 1, hostname: 'h', startedAt: 0, heartbeatAt: 0 };
    expect(a.acquireRunLock(holder, () => true)).toEqual({ acquired: true });
    expect(b.acquireRunLock({ ...holder, pid: 2 }, () => true)).toEqual({ acquired: false, holder });
  });

  it('refuses a database written by a newer harness, telling the user to upgrade', () => {
    openStore(path).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    raw.close();

    const error = catchError(() => openStore(path));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toMatch(/upgrade harness/);
    expect(error.message).toContain(path);
    expect(error.message).toContain(String(LATEST_SCHEMA_VERSION + 1));
  });

  it('reports a file that is not SQLite as a StoreError with a clear message', () => {
    writeFileSync(path, 'issues:\n  - id: 1\n    title: this is YAML, not a database\n'.repeat(200));
    const error = catchError(() => openStore(path));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toMatch(/is not a SQLite database/);
    expect(error.message).toContain(path);
    expect(error.message).not.toMatch(/\n\s+at /);
  });

  it('reports a damaged database as corrupt', () => {
    const store = openStore(path);
    store.importIssues([issue('a')], 1);
    store.close();
    // Keep the 100-byte header (so it still looks like SQLite) and scribble over the schema page.
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(3000, 0xab), 0, 3000, 100);
    closeSync(fd);
    const error = catchError(() => openStore(path));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toMatch(/corrupt|not a SQLite database/);
    expect(error.message).toContain(path);
  });

  it('reports a path that cannot be opened', () => {
    const error = catchError(() => openStore(dir));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toContain(dir);
  });
});

describe('migrate', () => {
  const table = (version: number, name: string): Migration => ({
    version,
    description: `create ${name}`,
    up: (db) => db.exec(`CREATE TABLE ${name} (x INTEGER)`),
  });
  const tables = (db: Database.Database) =>
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
      (r) => r.name,
    );

  it('numbers the shipped migrations 1, 2, 3… with no gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('runs only the steps above the current version, in order', () => {
    const db = new Database(':memory:');
    migrate(db, 'test', [table(1, 'one')]);
    migrate(db, 'test', [table(1, 'one'), table(2, 'two'), table(3, 'three')]);
    expect(schemaVersion(db)).toBe(3);
    expect(tables(db)).toEqual(['one', 'three', 'two']);
    db.close();
  });

  it('rolls back a failing step together with its version bump', () => {
    const db = new Database(':memory:');
    const broken: Migration = {
      version: 2,
      description: 'half done',
      up: (d) => {
        d.exec('CREATE TABLE half (x INTEGER)');
        throw new Error('step failed');
      },
    };
    expect(() => migrate(db, 'test', [table(1, 'one'), broken])).toThrow('step failed');
    expect(schemaVersion(db)).toBe(1);
    expect(tables(db)).toEqual(['one']);
    db.close();
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw, but the call returned');
}
