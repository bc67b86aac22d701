import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** How much of a log's end is read for its tail: enough for a few long lines, never the whole file. */
const TAIL_BYTES = 64 * 1024;

/**
 * The last `lines` non-blank lines of a session log, as text (invalid UTF-8
 * becomes U+FFFD), or null when the file cannot be read. Reads only the
 * end of the file. The text is the agent's own: escape it before showing it
 * (cli/render/log-tail.ts).
 */
export function readLogTail(path: string, lines: number): string[] | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const n = readSync(fd, buffer, read, length - read, size - length + read);
      if (n === 0) break;
      read += n;
    }
    let text = buffer.subarray(0, read).toString('utf8');
    // Started mid-file: the first line is probably cut, and may start inside a character.
    if (length < size) text = text.slice(text.indexOf('\n') + 1);
    return text
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '')
      .slice(-lines);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
