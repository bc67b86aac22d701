import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { ISSUE_STATUSES, SESSION_OUTCOMES, WORKER_STATES } from '../../core/states.js';
import { StoreError } from '../../errors.js';
import { MERGE_ENTRY_STATES } from '../../merge/states.js';
import { REPORT_STATES } from '../types.js';
import { HARNESS_APPLICATION_ID, LATEST_SCHEMA_VERSION, migrate, schemaVersion } from './migrations.js';
import { unwritableReason } from './writable.js';

/** How long a write waits for another connection's write to finish before failing (ms). */
export const BUSY_TIMEOUT_MS = 5000;

/** SQLite's name for a private, in-memory database. */
export const IN_MEMORY = ':memory:';

/**
 * Open the state database at `path`, checked before anything relies on it:
 * - another program's SQLite file is refused, not "migrated" into;
 * - a file that fails `PRAGMA quick_check` is refused;
 * - before a schema upgrade, the file is copied to `<path>.bak-v<version>`;
 * - a row whose status, outcome or state this harness does not know is
 *   refused rather than silently left out of every count.
 * Every refusal is a StoreError (exit 2) that says how to recover.
 */
export function openStateDatabase(path: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (error) {
    throw openError(path, error);
  }
  try {
    // First: every later step may wait for another harness opening the same file.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const existing = schemaVersion(db) > 0;
    checkHarnessFile(db, path);
    if (existing) checkIntegrity(db, path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    if (existing) backUpBeforeMigrating(db, path);
    migrate(db, path);
    checkKnownStates(db, path);
    return db;
  } catch (error) {
    db.close();
    throw openError(path, error);
  }
}

/** The newest `<path>.bak-v<N>` copy, if any: what a refusal tells the user to restore. */
export function latestBackup(path: string): string | null {
  if (path === IN_MEMORY) return null;
  const prefix = `${basename(path)}.bak-v`;
  let best: { version: number; name: string } | null = null;
  try {
    for (const name of readdirSync(dirname(path))) {
      if (!name.startsWith(prefix)) continue;
      const version = Number(name.slice(prefix.length));
      if (Number.isInteger(version) && (!best || version > best.version)) best = { version, name };
    }
  } catch {
    return null;
  }
  return best ? join(dirname(path), best.name) : null;
}

/** How to get going again from a state file harness refuses. */
function recovery(path: string): string {
  const backup = latestBackup(path);
  const aside = `move it aside (\`harness run --fresh\`, or mv ${path} elsewhere) to start a new state`;
  return backup ? `restore the copy taken before the last schema upgrade (cp ${backup} ${path}), or ${aside}` : aside;
}

/** Tables every harness schema has had since version 1. */
const HARNESS_TABLES = ['issues', 'sessions', 'run_lock'];

/**
 * A harness state is marked by its application id (since schema 5), or,
 * written before that, has a schema version and harness's tables. An empty
 * file is a new state. Anything else belongs to another program.
 */
function checkHarnessFile(db: Database.Database, path: string): void {
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  if (applicationId === HARNESS_APPLICATION_ID) return;
  const tables = db
    .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all();
  const version = schemaVersion(db);
  if (applicationId === 0 && version === 0 && tables.length === 0) return;
  if (applicationId === 0 && version > 0 && HARNESS_TABLES.every((t) => tables.includes(t))) return;
  const shown = tables.slice(0, 5).join(', ') + (tables.length > 5 ? `, … (${tables.length} tables)` : '');
  const what = [
    tables.length > 0 ? `tables ${shown}` : 'no tables',
    applicationId !== 0 ? `application id 0x${(applicationId >>> 0).toString(16)}` : 'no harness marker',
  ].join(' and ');
  throw new StoreError(
    `${path} is not a harness state file (a SQLite database with ${what}): pass --state with the path of a harness state, or a new path to start one`,
  );
}

function checkIntegrity(db: Database.Database, path: string): void {
  const problems = db.prepare<[], string>('PRAGMA quick_check').pluck().all();
  if (problems.length === 1 && problems[0] === 'ok') return;
  const first = problems[0] ?? 'no result';
  throw new StoreError(
    `state store ${path} is corrupt: PRAGMA quick_check reports ${JSON.stringify(first)}${problems.length > 1 ? ` and ${problems.length - 1} more problem(s)` : ''}: ${recovery(path)}`,
  );
}

/**
 * A consistent copy (VACUUM INTO reads one snapshot, the WAL included)
 * before the first step of an upgrade, written under a temporary name and
 * renamed, so a crash never leaves half a backup under the real name. A
 * store without issues holds nothing to lose: that is also every new
 * state, whose steps a second harness may see half applied.
 */
function backUpBeforeMigrating(db: Database.Database, path: string): void {
  const version = schemaVersion(db);
  if (version >= LATEST_SCHEMA_VERSION) return;
  if (db.prepare('SELECT 1 FROM issues LIMIT 1').get() === undefined) return;
  const target = `${path}.bak-v${version}`;
  const partial = `${target}.partial`;
  try {
    rmSync(partial, { force: true });
    db.prepare('VACUUM INTO ?').run(partial);
    renameSync(partial, target);
  } catch (error) {
    rmSync(partial, { force: true });
    const detail = error instanceof Error ? error.message : String(error);
    throw new StoreError(
      `cannot back up state store ${path} before upgrading its schema from version ${version} (${detail}): free some space or fix the directory's permissions, then run again; the store is unchanged`,
      { cause: error },
    );
  }
}

/** Columns whose values come from a named state table (the schema makes each NOT NULL but the session outcome). */
const STATE_COLUMNS: { table: string; column: string; known: readonly string[]; what: string }[] = [
  { table: 'issues', column: 'status', known: ISSUE_STATUSES, what: 'issue' },
  { table: 'sessions', column: 'outcome', known: SESSION_OUTCOMES, what: 'session' },
  { table: 'workers', column: 'state', known: WORKER_STATES, what: 'worker' },
  { table: 'merge_entries', column: 'state', known: MERGE_ENTRY_STATES, what: 'merge entry' },
  { table: 'outbox', column: 'state', known: REPORT_STATES, what: 'report' },
];

/**
 * Every distinct value of each state column, read by stepping through an
 * index on it (or a small table), so a store of a million sessions costs a
 * few lookups, not a scan.
 */
function checkKnownStates(db: Database.Database, path: string): void {
  for (const { table, column, known, what } of STATE_COLUMNS) {
    const first = db.prepare<[], unknown>(`SELECT ${column} FROM ${table} WHERE ${column} IS NOT NULL ORDER BY ${column} LIMIT 1`).pluck();
    const next = db.prepare<[unknown], unknown>(`SELECT ${column} FROM ${table} WHERE ${column} > ? ORDER BY ${column} LIMIT 1`).pluck();
    for (let value = first.get(); value !== undefined; value = next.get(value)) {
      if (typeof value === 'string' && known.includes(value)) continue;
      const id = db.prepare<[unknown], unknown>(`SELECT id FROM ${table} WHERE ${column} = ? LIMIT 1`).pluck().get(value);
      throw new StoreError(
        `state store ${path} holds ${what} ${JSON.stringify(id)} with ${column} ${JSON.stringify(value)}, which this harness does not know ` +
          `(known: ${known.join(', ')}): it was changed outside harness or is damaged; ${recovery(path)}`,
      );
    }
  }
}

/** Turn a failure to open into a message a user can act on, not a stack trace. */
export function openError(path: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const code = (error as { code?: unknown }).code;
  const detail = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_NOTADB') {
    return new StoreError(`${path} is not a SQLite database, so not a harness state file: pass --state with the path of a harness state, or ${recovery(path)}`, {
      cause: error,
    });
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT')) {
    return new StoreError(`state store ${path} is corrupt (${detail}): ${recovery(path)}`, { cause: error });
  }
  const unwritable = path === IN_MEMORY || existsSync(path) ? null : unwritableReason(dirname(path));
  if (unwritable) return new StoreError(`cannot create state store ${path}: ${unwritable}`, { cause: error });
  return new StoreError(`cannot open state store ${path} (${detail}): check that the path names a file in a directory you can write`, {
    cause: error,
  });
}
