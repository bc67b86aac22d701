import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { HARNESS_APPLICATION_ID, LATEST_SCHEMA_VERSION, MIGRATIONS, migrate, schemaVersion, type Migration } from '../../src/store/sqlite/migrations.js';
import { openStore } from '../../src/store/open.js';
import { mountTmpfs, unmount } from '../helpers/mounts.js';
import { startSessionOn } from '../helpers/store.js';

const issue = (id: string) => ({ id, title: `t ${id}`, body: 'b'.repeat(100), priority: 2, labels: [] });

function refusal(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).not.toMatch(/\n/);
    return error as StoreError;
  }
  throw new Error('expected the store to be refused, but it opened');
}

/** A state file as an older harness (schema `version`) left it, holding `ids`. */
function oldState(path: string, version: number, ids: string[]): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  migrate(db, path, MIGRATIONS.slice(0, version));
  const insert = db.prepare(
    "INSERT INTO issues (id, title, body, priority, labels, status, attempts, seq, created_at, updated_at) VALUES (?, 't', '', 2, '[]', 'backlog', 0, ?, 1, 1)",
  );
  ids.forEach((id, i) => insert.run(id, i + 1));
  db.close();
}

/** Spoil the b-tree of every table leaf page (the start of its cell content), as a torn write would. */
function spoilLeafPages(path: string): void {
  const bytes = readFileSync(path);
  const fd = openSync(path, 'r+');
  for (let page = 1; page * 4096 < bytes.length; page++) {
    if (bytes[page * 4096] === 0x0d) writeSync(fd, Buffer.from([0x00, 0x02]), 0, 2, page * 4096 + 5);
  }
  closeSync(fd);
}

describe('opening a state store', () => {
  let dir: string;
  let path: string;
  const opened: { close(): void }[] = [];
  const track = <T extends { close(): void }>(handle: T): T => (opened.push(handle), handle);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'harness-open-'));
    path = join(dir, 'state.db');
  });
  afterEach(() => {
    for (const handle of opened.splice(0)) handle.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('marks a new state as a harness file', () => {
    track(openStore(path));
    const raw = track(new Database(path));
    expect(raw.pragma('application_id', { simple: true })).toBe(HARNESS_APPLICATION_ID);
  });

  describe('another program’s SQLite file', () => {
    it('is refused as not a harness state, not migrated into ("table issues already exists")', () => {
      const raw = new Database(path);
      raw.exec("CREATE TABLE issues (number INTEGER, summary TEXT); INSERT INTO issues VALUES (1, 'theirs')");
      raw.close();
      const error = refusal(() => openStore(path));
      expect(error.message).toContain(`${path} is not a harness state file`);
      expect(error.message).toContain('tables issues');
      expect(error.message).not.toMatch(/already exists/);
      // Left exactly as it was.
      const after = track(new Database(path));
      expect(after.prepare('SELECT summary FROM issues').pluck().get()).toBe('theirs');
      expect(schemaVersion(after)).toBe(0);
    });

    it('is refused when it has a schema version of its own but not harness’s tables, or another application id', () => {
      const raw = new Database(path);
      raw.exec('CREATE TABLE notes (body TEXT)');
      raw.pragma('user_version = 3');
      raw.close();
      expect(refusal(() => openStore(path)).message).toMatch(/not a harness state file .*tables notes and no harness marker/);

      const other = join(dir, 'other.db');
      const db = new Database(other);
      db.pragma('application_id = 1234');
      db.close();
      expect(refusal(() => openStore(other)).message).toMatch(/not a harness state file .*application id 0x4d2/);
    });
  });

  describe('a schema upgrade', () => {
    it('copies the store to <state>.bak-v<N> first, and the copy is the old store as it was', () => {
      oldState(path, 4, ['a', 'b']);
      track(openStore(path));
      const backup = `${path}.bak-v4`;
      expect(existsSync(backup)).toBe(true);
      const copy = track(new Database(backup, { readonly: true }));
      expect(schemaVersion(copy)).toBe(4);
      expect(copy.prepare('SELECT id FROM issues ORDER BY id').pluck().all()).toEqual(['a', 'b']);
      expect(schemaVersion(track(new Database(path, { readonly: true })))).toBe(LATEST_SCHEMA_VERSION);
    });

    it('brings a version 9 store up to date (the outbox of version 10): its issues, as they were, may be tracked and report their outcomes', () => {
      oldState(path, 9, ['a', 'b', 'c']);
      const store = track(openStore(path));
      expect(existsSync(`${path}.bak-v9`)).toBe(true);
      expect(schemaVersion(track(new Database(path, { readonly: true })))).toBe(LATEST_SCHEMA_VERSION);
      expect(store.listIssues().map((i) => [i.id, i.status])).toEqual([
        ['a', 'backlog'],
        ['b', 'backlog'],
        ['c', 'backlog'],
      ]);
      expect(store.reportCounts()).toEqual({ pending: 0, sending: 0, sent: 0, rejected: 0 });
      store.trackIssues([
        { id: 'a', source: 'beads', url: null },
        { id: 'c', source: 'beads', url: null },
      ]);
      for (const [id, status] of [['a', 'done'], ['b', 'done']] as const) {
        startSessionOn(store, { sessionId: `s-${id}`, issueId: id, workerId: 'w1', now: 2, logPath: null });
        store.finishSession(`s-${id}`, { outcome: 'success', endedAt: 3 }, { status });
      }
      store.failUnrun([issue('c')], 'blocker b failed', 4);
      expect(store.unsettledReports(10).map((r) => [r.issueId, r.kind])).toEqual([
        ['a', 'done'],
        ['c', 'failed'],
      ]);
    });

    it('takes no copy of a store that holds no issues, or that is up to date', () => {
      oldState(path, 4, []);
      openStore(path).close();
      openStore(path).close();
      expect(existsSync(`${path}.bak-v4`)).toBe(false);
    });

    it('lets the harness that waited skip the steps another one applied meanwhile', () => {
      // Two harnesses on one new state: B read version 0, then A migrated, then B takes its turn.
      const a = track(new Database(path));
      const b = track(new Database(path));
      class AppliedByAnotherHarness extends Array<Migration> {
        override [Symbol.iterator]() {
          migrate(a, path);
          return super[Symbol.iterator]();
        }
      }
      const racing = AppliedByAnotherHarness.from(MIGRATIONS);
      expect(() => migrate(b, path, racing)).not.toThrow();
      expect(schemaVersion(b)).toBe(LATEST_SCHEMA_VERSION);
    });
  });

  describe('a damaged store', () => {
    it('is refused when PRAGMA quick_check fails, naming the backup to restore', () => {
      oldState(path, 4, Array.from({ length: 300 }, (_, i) => `i${i}`));
      openStore(path).close();
      spoilLeafPages(path);
      const error = refusal(() => openStore(path));
      expect(error.message).toMatch(/corrupt/);
      expect(error.message).toContain(`cp ${path}.bak-v4 ${path}`);
      expect(error.exitCode).toBe(2);
    });

    it.each([
      ['issue', "UPDATE issues SET status = 'paused' WHERE id = 'b'", /issue "b" with status "paused"/],
      ['session', "UPDATE sessions SET outcome = 'exploded'", /session "s1" with outcome "exploded"/],
      ['worker', "UPDATE workers SET state = 'napping'", /worker "w1" with state "napping"/],
      ['merge entry', "UPDATE merge_entries SET state = 'parked'", /merge entry 1 with state "parked"/],
      ['report', "UPDATE outbox SET state = 'mislaid'", /report 1 with state "mislaid"/],
    ])('is refused when a row holds an unknown %s state, instead of leaving it out of every count', (_what, sql, message) => {
      const store = openStore(path);
      store.trackIssues([{ id: 'a', source: 'beads', url: null }]);
      store.importIssues([issue('a'), issue('b')], 1);
      store.admit(1, 2);
      startSessionOn(store, { sessionId: 's1', issueId: 'a', workerId: 'w1', now: 3, logPath: null });
      store.finishSession('s1', { outcome: 'success', endedAt: 4 }, { status: 'done' });
      store.upsertWorker({ id: 'w1', state: 'idle', sessionsRun: 1, createdAt: 1, retiredAt: null });
      store.enqueueMerge({ issueId: 'a', branch: 'harness/a', head: null, now: 5 });
      store.close();
      const raw = new Database(path);
      raw.exec(sql);
      raw.close();
      const error = refusal(() => openStore(path));
      expect(error.message).toMatch(message);
      expect(error.message).toMatch(/known: /);
      expect(error.message).toMatch(/harness run --fresh/);
    });
  });

  describe('a location that cannot be written', () => {
    let mounted: string | null = null;
    afterEach(() => {
      if (mounted) unmount(mounted);
      mounted = null;
      chmodSync(dir, 0o700);
    });

    /** A read-only file system where root can mount one; otherwise a directory without write permission. */
    function readOnlyDir(): { dir: string; reason: RegExp } {
      const target = join(dir, 'ro');
      mkdirSync(target);
      if (mountTmpfs(target, { sizeKb: 64, readOnly: true })) {
        mounted = target;
        return { dir: target, reason: /read-only file system \(EROFS\)/ };
      }
      chmodSync(target, 0o555);
      return { dir: target, reason: /no permission to write in .* \(EACCES\)/ };
    }

    it('says why a new state cannot be created there, not ENOENT', () => {
      const ro = readOnlyDir();
      for (const state of [join(ro.dir, '.harness', 'state.db'), join(ro.dir, 'state.db')]) {
        const error = refusal(() => openStore(state));
        expect(error.message).toContain(state);
        expect(error.message).toMatch(ro.reason);
        expect(error.message).not.toMatch(/ENOENT/);
      }
    });
  });
});
