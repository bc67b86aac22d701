import { constants } from 'node:os';

/**
 * The conversation between the harness and a launcher process
 * (native/launcher.c): one message per line, fields separated by tabs, with
 * '%', tab, newline and NUL inside a field written as %25, %09, %0A and %00.
 * Requests go to the launcher's stdin, events come from its stdout. Issue
 * data travels only inside fields and reaches the agent only through its
 * environment, its issue file and its stdin.
 */

/** How every session a launcher starts is run; its first line. */
export interface LauncherInit {
  command: readonly string[];
  killGraceMs: number;
  logMaxBytes: number;
  heartbeatPollMs: number;
  /** At most one progress event per this many ms per session (PROGRESS_COALESCE_MS). */
  progressCoalesceMs: number;
  /** How long output may drain after an exit before it is reported (EXIT_FLUSH_MS). */
  exitFlushMs: number;
  /** Written once to a log that reached logMaxBytes. */
  truncationNotice: string;
  /** Longest stdout line of a structured session sent whole; a longer one is reported by its size. */
  lineMaxBytes: number;
  /** Base environment of the agents. */
  env: Readonly<Record<string, string>>;
}

/** One session, with everything already rendered: the launcher only writes files and starts the agent. */
export interface LauncherStart {
  key: string;
  cwd: string;
  logPath: string | null;
  issueFile: string;
  issueJson: string;
  heartbeatFile: string;
  promptFile: string;
  prompt: string;
  /**
   * `text`: the agent's output is progress (stdout and stderr share a pipe);
   * `structured`: its stdout comes back line by line (`out`), the head of
   * its stderr as it is (`err`), and only a heartbeat is progress.
   */
  mode: 'text' | 'structured';
  /** This session's own argv (a resume id, a budget); empty for the init line's command. */
  argv: readonly string[];
  /** Variables put over the base environment. */
  env: Readonly<Record<string, string>>;
}

export type LauncherEvent =
  | { type: 'spawn'; key: string; pid: number }
  | { type: 'progress'; key: string }
  /** `line` ends with its newline: a parser takes it as it is. */
  | { type: 'out'; key: string; line: Buffer }
  | { type: 'long'; key: string; bytes: number }
  | { type: 'err'; key: string; text: string }
  | { type: 'exit'; key: string; exitCode: number | null; signal: string | null }
  | { type: 'fail'; key: string; stage: 'files' | 'spawn'; code: string; message: string };

const ESCAPES: Record<string, string> = { '%': '%25', '\t': '%09', '\n': '%0A', '\0': '%00' };

export function encodeField(text: string): string {
  return text.replace(/[%\t\n\0]/g, (c) => ESCAPES[c] ?? c);
}

export function decodeField(text: string): string {
  return text.includes('%') ? text.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))) : text;
}

function line(fields: readonly (string | number)[]): string {
  return fields.map((f) => encodeField(String(f))).join('\t');
}

function envFields(env: Readonly<Record<string, string>>): string[] {
  const entries = Object.entries(env).map(([key, value]) => `${key}=${value}`);
  return [String(entries.length), ...entries];
}

export function encodeInit(init: LauncherInit): string {
  return line([
    'init',
    init.killGraceMs,
    init.logMaxBytes,
    init.heartbeatPollMs,
    init.progressCoalesceMs,
    init.exitFlushMs,
    init.truncationNotice,
    init.lineMaxBytes,
    init.command.length,
    ...init.command,
    ...envFields(init.env),
  ]);
}

export function encodeStart(start: LauncherStart): string {
  return line([
    'start',
    start.key,
    start.cwd,
    start.logPath ?? '',
    start.issueFile,
    start.issueJson,
    start.heartbeatFile,
    start.promptFile,
    start.prompt,
    start.mode === 'structured' ? 's' : 't',
    start.argv.length,
    ...start.argv,
    ...envFields(start.env),
  ]);
}

export function encodeKill(key: string): string {
  return line(['kill', key]);
}

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name]));

/** An event line from the launcher; null for a line this version does not know. */
export function decodeEvent(text: string): LauncherEvent | null {
  const [type, rawKey = '', ...rest] = text.split('\t');
  const key = decodeField(rawKey);
  switch (type) {
    case 'spawn':
      return { type, key, pid: Number(rest[0]) };
    case 'progress':
      return { type, key };
    case 'out':
      return { type, key, line: Buffer.from(`${decodeField(rest[0] ?? '')}\n`, 'utf8') };
    case 'long':
      return { type, key, bytes: Number(rest[0] ?? 0) };
    case 'err':
      return { type, key, text: decodeField(rest[0] ?? '') };
    case 'exit': {
      const signal = Number(rest[1] ?? 0);
      return {
        type,
        key,
        exitCode: rest[0] === '-' ? null : Number(rest[0]),
        signal: signal === 0 ? null : (SIGNAL_NAMES.get(signal) ?? `signal ${signal}`),
      };
    }
    case 'fail':
      return { type, key, stage: rest[0] === 'files' ? 'files' : 'spawn', code: rest[1] ?? '', message: decodeField(rest[2] ?? '') };
    default:
      return null;
  }
}

const NEWLINE = 0x0a;
const TAB = 0x09;
const PERCENT = 0x25;
const OUT = Buffer.from('out\t');

/**
 * One event line from its bytes, `bytes[start, end)` with its newline at
 * `bytes[end]`. An agent's stdout line (`out`) is taken straight from the
 * launcher's bytes, newline included, without decoding it to a string and
 * back (a copy only when it holds escapes); other events are decoded.
 */
export function decodeEventBytes(bytes: Buffer, start: number, end: number): LauncherEvent | null {
  if (end - start > OUT.length && bytes.compare(OUT, 0, OUT.length, start, start + OUT.length) === 0) {
    const tab = bytes.indexOf(TAB, start + OUT.length);
    if (tab !== -1 && tab < end) {
      const key = decodeField(bytes.toString('utf8', start + OUT.length, tab));
      const escaped = bytes.indexOf(PERCENT, tab + 1);
      const line = escaped === -1 || escaped >= end ? bytes.subarray(tab + 1, end + 1) : unescapeBytes(bytes, tab + 1, end);
      return { type: 'out', key, line };
    }
  }
  return decodeEvent(bytes.toString('utf8', start, end));
}

/** `bytes[start, end)` with its %XX escapes decoded, and a newline after. */
function unescapeBytes(bytes: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start + 1);
  let n = 0;
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte === PERCENT && i + 2 < end + 1) {
      const value = Number.parseInt(bytes.toString('latin1', i + 1, i + 3), 16);
      if (Number.isFinite(value)) {
        out[n++] = value;
        i += 2;
        continue;
      }
    }
    out[n++] = byte;
  }
  out[n++] = NEWLINE;
  return out.subarray(0, n);
}

/**
 * Splits a stream of byte chunks into lines: `onLine(bytes, start, end)`
 * with the newline at `bytes[end]`. Lines within a chunk are handed over
 * in place; only one that spans chunks is copied.
 */
export class ByteLineReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly onLine: (bytes: Buffer, start: number, end: number) => void) {}

  push(chunk: Buffer): void {
    let start = 0;
    let newline = chunk.indexOf(NEWLINE);
    if (newline !== -1 && this.pendingBytes > 0) {
      const line = Buffer.concat([...this.pending, chunk.subarray(0, newline + 1)]);
      this.pending = [];
      this.pendingBytes = 0;
      if (line.length > 1) this.onLine(line, 0, line.length - 1);
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    while (newline !== -1) {
      if (newline > start) this.onLine(chunk, start, newline);
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.pending.push(rest);
      this.pendingBytes += rest.length;
    }
  }
}

/**
 * Collects lines and writes them together once per turn of the event loop:
 * a burst of thirty session starts is one write, not thirty.
 */
export class Outbox {
  private lines: string[] = [];
  private scheduled = false;

  constructor(private readonly write: (text: string) => void) {}

  send(text: string): void {
    this.lines.push(text);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    if (this.lines.length === 0) return;
    const text = `${this.lines.join('\n')}\n`;
    this.lines = [];
    this.write(text);
  }
}
