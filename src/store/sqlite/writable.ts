import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Why a file cannot be created in `dir`, or null if nothing stands in the
 * way that can be seen. Asks the nearest directory that exists, since a
 * recursive mkdir on a read-only file system reports the missing child
 * (ENOENT) rather than the read-only parent (EROFS).
 */
export function unwritableReason(dir: string): string | null {
  let existing = dir;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  try {
    if (!statSync(existing).isDirectory()) return `${existing} is a file, not a directory: pass --state <path> in a directory`;
    accessSync(existing, constants.W_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = existing === dir ? existing : `${existing} (where ${dir} would be created)`;
    if (code === 'EROFS') return `${where} is on a read-only file system (EROFS): pass --state <path> on a writable file system`;
    if (code === 'EACCES' || code === 'EPERM') return `no permission to write in ${where} (${code}): pass --state <path> in a directory you can write, or fix its permissions`;
    return `${where} cannot be written (${code ?? String(error)})`;
  }
}
