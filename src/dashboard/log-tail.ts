/**
 * The last line of each running session's log, for an agent whose output
 * is not read as events: a stat per session per update, and a read of the
 * file's tail only when it grew.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { terminalSafe } from '../text/escape.js';

const TAIL_BYTES = 4096;
/** The longest line shown (characters). */
export const LINE_MAX = 200;

export class LogTails {
  private readonly seen = new Map<string, { size: number; line: string | null }>();

  /**
   * The log's last non-blank line, control characters written as escapes
   * (null when it has none yet); null for a log not made yet (a log is made
   * at the agent's first output).
   */
  read(path: string): { line: string | null } | null {
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      return null;
    }
    const known = this.seen.get(path);
    if (known && known.size === size) return { line: known.line };
    const line = readLastLine(path, size);
    this.seen.set(path, { size, line });
    return { line };
  }

  /** Forget logs of sessions no longer running. */
  keepOnly(paths: readonly (string | null)[]): void {
    const keep = new Set(paths);
    for (const path of this.seen.keys()) if (!keep.has(path)) this.seen.delete(path);
  }
}

function readLastLine(path: string, size: number): string | null {
  const length = Math.min(size, TAIL_BYTES);
  const buffer = Buffer.alloc(length);
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    readSync(fd, buffer, 0, length, size - length);
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
  const lines = buffer.toString('utf8').split(/\r?\n/);
  // The first line may be cut by the window: use it only when the window is the whole file.
  for (let i = lines.length - 1; i >= (length === size ? 0 : 1); i--) {
    const text = lines[i]!.trim();
    if (text !== '') return terminalSafe(text.length > LINE_MAX ? `${text.slice(0, LINE_MAX - 1)}…` : text);
  }
  return null;
}
