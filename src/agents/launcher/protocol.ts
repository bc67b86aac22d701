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
  | { type: 'out'; key: string; line: string }
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
      return { type, key, line: decodeField(rest[0] ?? '') };
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

/** Splits a stream of text chunks into lines (without the newline). */
export class LineReader {
  private pending = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    const text = this.pending === '' ? chunk : this.pending + chunk;
    let start = 0;
    let newline = text.indexOf('\n');
    while (newline !== -1) {
      if (newline > start) this.onLine(text.slice(start, newline));
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    this.pending = start === 0 ? text : text.slice(start);
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
