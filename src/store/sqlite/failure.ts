/**
 * Store failures as a user reads them: one line that says what happened to
 * the state file, where it is, and what to do. Each ends with what the
 * harness did about it, since the run stops its sessions and ends.
 */

/** SQLite's primary result codes that mean the file cannot be written, rather than a wrong statement. */
const STORAGE_CODES = new Set([
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_READONLY',
  'SQLITE_CANTOPEN',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_PERM',
  'SQLITE_NOMEM',
  'SQLITE_PROTOCOL',
  'SQLITE_NOLFS',
]);

function sqliteCode(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : null;
}

/** `SQLITE_IOERR_WRITE` → `SQLITE_IOERR`. */
function primary(code: string): string {
  return code.split('_').slice(0, 2).join('_');
}

export function isStorageFailure(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== null && STORAGE_CODES.has(primary(code));
}

const STOPPED = 'the run stopped its sessions and ended';

export function describeWriteFailure(path: string, error: unknown): string {
  const code = sqliteCode(error) ?? 'unknown';
  const detail = error instanceof Error ? error.message : String(error);
  switch (primary(code)) {
    case 'SQLITE_FULL':
      return `the disk is full: cannot write the state store ${path} (${code}); ${STOPPED}. Free some space, then run harness again to continue`;
    case 'SQLITE_IOERR':
      return `cannot write the state store ${path}: ${detail} (${code}); ${STOPPED}. Check the disk (is it full, or gone?), then run harness again to continue`;
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
      return `cannot write the state store ${path}: it is read-only (${code}); ${STOPPED}. Make the file and its directory writable, then run harness again to continue`;
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return `cannot write the state store ${path}: another process held it locked for too long (${code}); ${STOPPED}. Stop whatever writes to it, then run harness again to continue`;
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return `the state store ${path} became damaged while running (${detail}, ${code}); ${STOPPED}. Run harness again: it checks the file and says how to recover`;
    default:
      return `cannot write the state store ${path}: ${detail} (${code}); ${STOPPED}. Fix the cause, then run harness again to continue`;
  }
}

export function fileVanished(path: string, how: 'deleted' | 'replaced'): string {
  const what = how === 'deleted' ? 'was deleted (or its directory was) while this run used it' : 'was replaced by another file while this run used it';
  return `the state store ${path} ${what}: what the run did since is lost, and ${STOPPED}. Run harness again to start from what the state file holds now`;
}
