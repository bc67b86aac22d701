import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** The line written once when a session's log reaches its cap. */
export function truncationNotice(maxBytes: number): string {
  return `\n[harness] log truncated at ${maxBytes} bytes; further output discarded\n`;
}

/**
 * Appends a session's output to its log file, up to `maxBytes`, then writes
 * one truncation notice and discards everything else. The file (and its
 * directory, when missing) is made at the first output: a session that
 * prints nothing leaves no log, and costs no file creation.
 *
 * Writes are synchronous and unbuffered: each chunk is on disk before the
 * next is read from the pipe, so memory stays flat however fast the agent
 * prints, and the log is complete whenever the session's exit is reported.
 * After the cap, chunks are dropped without touching the disk, which is what
 * lets the caller keep draining a flooding agent cheaply.
 */
export class CappedLogWriter {
  private fd: number | null = null;
  private opened = false;
  private written = 0;
  private capped = false;
  /** The first write error, after which the log is abandoned (the session goes on). */
  private failure: Error | null = null;

  constructor(
    readonly path: string,
    readonly maxBytes: number,
  ) {}

  /** Bytes of agent output written so far (the notice not included). */
  get bytesWritten(): number {
    return this.written;
  }

  get truncated(): boolean {
    return this.capped;
  }

  get error(): Error | null {
    return this.failure;
  }

  write(chunk: Buffer): void {
    if (chunk.length === 0 || this.capped || !this.open()) return;
    const room = this.maxBytes - this.written;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, Math.max(0, room));
    this.writeAll(part);
    this.written += part.length;
    if (chunk.length > room) {
      this.capped = true;
      this.writeAll(Buffer.from(truncationNotice(this.maxBytes), 'utf8'));
    }
  }

  close(): void {
    // Closed before any output: the log is never made.
    this.opened = true;
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      closeSync(fd);
    } catch {
      // Already closed or the disk went away; nothing left to save.
    }
  }

  /** The file is open for appending: opened now at the first output, or earlier. */
  private open(): boolean {
    if (!this.opened) {
      this.opened = true;
      try {
        this.fd = openAppend(this.path);
      } catch (error) {
        // Like a full disk: the session goes on without its log.
        this.failure = error instanceof Error ? error : new Error(String(error));
      }
    }
    return this.fd !== null;
  }

  private writeAll(data: Buffer): void {
    let offset = 0;
    while (this.fd !== null && offset < data.length) {
      try {
        offset += writeSync(this.fd, data, offset, data.length - offset);
      } catch (error) {
        // A full disk must not kill the session: keep the agent running, stop logging.
        this.failure = error instanceof Error ? error : new Error(String(error));
        this.close();
      }
    }
  }
}

/** Open `path` to append, making its directory when it is missing (the first log of a state). */
function openAppend(path: string): number {
  try {
    return openSync(path, 'a');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(dirname(path), { recursive: true });
    return openSync(path, 'a');
  }
}
