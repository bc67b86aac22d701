import { existsSync, readdirSync, renameSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import type { RunLockInfo } from './types.js';

/**
 * Where the files of one state live: beside the state file and named after
 * it, as SQLite names its `-wal` and `-shm`. Two state files in one folder
 * (`.harness/a.db`, `.harness/b.db`) never share a log.
 */
export interface StateFiles {
  /** Session logs: `<state>.logs/<issue>-<attempt>-<session>.log`, each made at its session's first output. */
  logs: string;
  /** Each worker's issue, heartbeat and prompt files while a run is live. */
  sessions: string;
}

export function stateFiles(statePath: string): StateFiles {
  return { logs: `${statePath}.logs`, sessions: `${statePath}.sessions` };
}

/** Everything named after the state file: the database, SQLite's own files, logs, session files, backups. */
function companions(statePath: string): string[] {
  const files = ['', '-wal', '-shm', '-journal', '.logs', '.sessions'].map((suffix) => `${statePath}${suffix}`);
  const prefix = `${basename(statePath)}.bak-v`;
  try {
    for (const name of readdirSync(dirname(statePath))) if (name.startsWith(prefix)) files.push(join(dirname(statePath), name));
  } catch {
    // No directory: nothing to move.
  }
  return files.filter((file) => existsSync(file));
}

/** `state.db` → `state.20250131-120000.db` (UTC), with `-2`, `-3`… if that is taken. */
function asideName(statePath: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const ext = extname(statePath);
  const stem = statePath.slice(0, statePath.length - ext.length);
  for (let n = 1; ; n++) {
    const candidate = `${stem}.${stamp}${n > 1 ? `-${n}` : ''}${ext}`;
    if (!existsSync(candidate) && !existsSync(`${candidate}.logs`)) return candidate;
  }
}

/** The run lock as recorded, read without opening the state for writing (it may be damaged: that is why it moves). */
function recordedLock(statePath: string): RunLockInfo | undefined {
  let db: Database.Database | undefined;
  try {
    db = new Database(statePath, { readonly: true, fileMustExist: true });
    // `*`: stores before schema 5 have no process_start.
    const row = db.prepare('SELECT * FROM run_lock WHERE id = 1').get() as
      | { pid: number; hostname: string; started_at: number; heartbeat_at: number; process_start?: string | null }
      | undefined;
    if (!row) return undefined;
    const lock: RunLockInfo = { pid: row.pid, hostname: row.hostname, startedAt: row.started_at, heartbeatAt: row.heartbeat_at };
    if (row.process_start) lock.processStart = row.process_start;
    return lock;
  } catch {
    return undefined;
  } finally {
    db?.close();
  }
}

/**
 * `harness run --fresh`: rename the state file and everything named after
 * it to a timestamped name beside it, so the run starts a new state.
 * Nothing is deleted. Refused while a live harness holds the state.
 * Returns the new name of the state file, or null when there was none.
 */
export function moveStateAside(
  statePath: string,
  options: { now: Date; isLive: (holder: RunLockInfo) => boolean; describe: (holder: RunLockInfo) => string },
): string | null {
  const files = companions(statePath);
  if (!files.includes(statePath)) return null;
  const holder = recordedLock(statePath);
  if (holder && options.isLive(holder)) {
    throw new StoreError(`${statePath} is in use by another harness (${options.describe(holder)}): --fresh moves a state aside only when no harness uses it`);
  }
  const target = asideName(statePath, options.now);
  for (const file of files) {
    try {
      renameSync(file, target + file.slice(statePath.length));
    } catch (error) {
      throw new StoreError(`--fresh could not move ${file} to ${target + file.slice(statePath.length)} (${(error as Error).message}); nothing was deleted`, {
        cause: error,
      });
    }
  }
  return target;
}
