/**
 * Splits raw output into lines at the byte level. A chunk may end anywhere:
 * in the middle of a line, or of a UTF-8 sequence (a newline byte never
 * occurs inside one, so splitting bytes at 0x0A and decoding whole lines is
 * always correct). Lines are handed over as byte ranges, straight from the
 * chunk when they lie within it; only the tail of a chunk is copied and kept.
 */

/** Longest line kept, in bytes; the rest of a longer line is skipped and reported by its size. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

const NEWLINE = 0x0a;
const RETURN = 0x0d;

export interface LineSink {
  /**
   * A complete line: `bytes[start, end)`, without its line break (and
   * without a trailing CR), never empty. The bytes are valid only during
   * the call: decode or copy what is kept.
   */
  line(bytes: Buffer, start: number, end: number): void;
  /** A line longer than the limit ended; it was not kept. */
  oversize(bytes: number): void;
}

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes of the current line when it is over the limit and being skipped; -1 when not skipping. */
  private skipped = -1;
  /** A high surrogate that ended the previous string chunk, waiting for its pair. */
  private heldSurrogate = '';

  constructor(
    private readonly sink: LineSink,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
  ) {}

  push(chunk: Buffer | string): void {
    this.pushBytes(typeof chunk === 'string' ? this.encode(chunk) : chunk);
  }

  /** The stream ended: a last line without a line break still counts. */
  end(): void {
    if (this.heldSurrogate !== '') {
      this.pushBytes(Buffer.from(this.heldSurrogate, 'utf8'));
      this.heldSurrogate = '';
    }
    if (this.skipped >= 0) {
      this.sink.oversize(this.skipped);
      this.skipped = -1;
    } else if (this.pendingBytes > 0) {
      const line = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
      this.emit(line, 0, line.length);
    }
  }

  private encode(text: string): Buffer {
    let whole = this.heldSurrogate + text;
    this.heldSurrogate = '';
    const last = whole.charCodeAt(whole.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.heldSurrogate = whole.slice(-1);
      whole = whole.slice(0, -1);
    }
    return Buffer.from(whole, 'utf8');
  }

  private pushBytes(chunk: Buffer): void {
    let start = 0;
    let nl = chunk.indexOf(NEWLINE, start);
    while (nl !== -1) {
      if (this.skipped >= 0) {
        this.sink.oversize(this.skipped + (nl - start));
        this.skipped = -1;
      } else if (this.pendingBytes > 0) {
        if (this.pendingBytes + (nl - start) > this.maxLineBytes) {
          this.sink.oversize(this.pendingBytes + (nl - start));
        } else {
          this.pending.push(chunk.subarray(start, nl));
          const line = Buffer.concat(this.pending, this.pendingBytes + (nl - start));
          this.emit(line, 0, line.length);
        }
        this.pending = [];
        this.pendingBytes = 0;
      } else if (nl - start > this.maxLineBytes) {
        this.sink.oversize(nl - start);
      } else {
        this.emit(chunk, start, nl);
      }
      start = nl + 1;
      nl = chunk.indexOf(NEWLINE, start);
    }
    if (start >= chunk.length) return;
    const rest = chunk.length - start;
    if (this.skipped >= 0) {
      this.skipped += rest;
    } else if (this.pendingBytes + rest > this.maxLineBytes) {
      this.skipped = this.pendingBytes + rest;
      this.pending = [];
      this.pendingBytes = 0;
    } else {
      // Copied: the caller may reuse its buffer once push() returns.
      this.pending.push(Buffer.from(chunk.subarray(start)));
      this.pendingBytes += rest;
    }
  }

  private emit(bytes: Buffer, start: number, end: number): void {
    if (end > start && bytes[end - 1] === RETURN) end -= 1;
    if (end > start) this.sink.line(bytes, start, end);
  }
}
