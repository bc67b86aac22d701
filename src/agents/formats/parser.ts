/**
 * The incremental parser every format shares: bytes in, lines out, each
 * line to the format's handler, typed events back. A line that is not a
 * JSON object is plain output: progress, and checked for a usage-limit
 * message; it never throws.
 */
import type { AgentEvent } from './events.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from './lines.js';
import { detectUsageLimit, type ResetTimeOptions } from './usage-limit.js';
import { activityText, type Json } from './values.js';

export interface ParserOptions extends ResetTimeOptions {
  /** Longest line parsed, in bytes (default 64 MiB); a longer one is skipped and counted as progress. */
  maxLineBytes?: number;
}

/**
 * Feed it an agent's stdout as it arrives, split anywhere; each call
 * returns the events the bytes so far completed. `now` (epoch ms) is only
 * used to resolve reset times written without a date.
 */
export interface AgentStreamParser {
  push(chunk: Buffer | string, now: number): AgentEvent[];
  /** The stream ended: parse a last line that had no line break. */
  end(now: number): AgentEvent[];
}

/** What a format's line handler may use besides the line. */
export interface LineContext {
  now: number;
  options: ParserOptions;
  emit(event: AgentEvent): void;
}

/** A format's reading of one JSON object line. Handlers keep their own state (ids seen, tool names) in a closure. */
export type JsonLineHandler = (value: Json, context: LineContext) => void;

/**
 * A format's reading of a JSON-lines stream: `json` for each object line,
 * and optionally `bytes`, a fast path that may handle a line from its raw
 * bytes without decoding or parsing it (returning true), and must then emit
 * exactly what `json` would have.
 */
export interface JsonLinesFormat {
  bytes?(line: Buffer, start: number, end: number, context: LineContext): boolean;
  json: JsonLineHandler;
}

/** A plain (non-JSON) line: progress, and a usage-limit message when it is one. */
export function plainLine(line: string, context: LineContext): void {
  const trimmed = line.trim();
  if (trimmed === '') return;
  context.emit({ type: 'progress', kind: 'text', activity: activityText(trimmed) });
  const limit = detectUsageLimit(trimmed, context.now, context.options);
  if (limit) context.emit(limit);
}

const SPACE = 0x20;
const TAB = 0x09;
const OPEN_BRACE = 0x7b;

/**
 * A parser for a JSON-lines format. The first non-space byte decides
 * cheaply whether JSON.parse is worth trying: only a line starting with `{`
 * can be an event.
 */
export function createJsonLinesParser(format: JsonLinesFormat | JsonLineHandler, options: ParserOptions = {}): AgentStreamParser {
  const { bytes: fast, json } = typeof format === 'function' ? { bytes: undefined, json: format } : format;
  return createLineParser((line, start, end, context) => {
    let first = start;
    while (first < end && (line[first] === SPACE || line[first] === TAB)) first++;
    if (line[first] === OPEN_BRACE) {
      if (fast?.(line, first, end, context)) return;
      const text = line.toString('utf8', first, end);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        value = undefined;
      }
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        try {
          json(value as Json, context);
          return;
        } catch {
          // A shape no handler foresaw: the line still counts, as plain output.
        }
      }
      return plainLine(text, context);
    }
    plainLine(line.toString('utf8', start, end), context);
  }, options);
}

/** A parser that hands each complete line, as a byte range, to `onLine`. */
export function createLineParser(onLine: (line: Buffer, start: number, end: number, context: LineContext) => void, options: ParserOptions = {}): AgentStreamParser {
  let events: AgentEvent[] = [];
  // Agents often say the same limit twice (an error line, then the result): report it once.
  let lastLimit = '';
  const emit = (event: AgentEvent): void => {
    if (event.type === 'usage-limit') {
      const key = `${event.limit}|${event.resetAt}|${event.text}`;
      if (key === lastLimit) return;
      lastLimit = key;
    }
    events.push(event);
  };
  const context: LineContext = { now: 0, options, emit };
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const splitter = new LineSplitter(
    {
      line: (line, start, end) => onLine(line, start, end, context),
      oversize: (bytes) => emit({ type: 'progress', kind: 'text', activity: `output line of ${bytes} bytes skipped: longer than ${maxLineBytes} bytes` }),
    },
    maxLineBytes,
  );
  const drain = (): AgentEvent[] => {
    const out = events;
    events = [];
    return out;
  };
  return {
    push(chunk, now) {
      context.now = now;
      splitter.push(chunk);
      return drain();
    },
    end(now) {
      context.now = now;
      splitter.end();
      return drain();
    },
  };
}

/** A parser that reads every line as plain text. */
export function createPlainParser(options: ParserOptions = {}): AgentStreamParser {
  return createLineParser((line, start, end, context) => plainLine(line.toString('utf8', start, end), context), options);
}
