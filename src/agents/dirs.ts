import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Run a file operation, creating the file's directory first only if the
 * operation reports it missing. Sessions start by the thousand and a
 * recursive mkdir on every start is measurable; a directory removed while
 * running is simply created again.
 */
export function withParentDir<T>(path: string, operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(dirname(path), { recursive: true });
    return operation();
  }
}
