import type { SessionExit, SessionSpec } from '../types.js';

/**
 * The conversation between the harness and a launcher process: one JSON
 * object per line, requests on the launcher's stdin, events on its stdout.
 * Issue data travels inside JSON strings and reaches the agent only through
 * its environment, its issue file and its stdin, as with an in-process runner.
 */

/** First line a launcher reads: how every session it starts is run. */
export interface LauncherInit {
  type: 'init';
  command: string[];
  promptTemplate: string;
  killGraceMs: number;
  logMaxBytes: number;
  heartbeatDir: string;
  heartbeatPollMs?: number;
  /** Base environment of the agents. */
  env: Record<string, string>;
}

export type LauncherRequest =
  | LauncherInit
  | { type: 'start'; spec: SessionSpec }
  | { type: 'kill'; sessionId: string };

export type LauncherEvent =
  | { type: 'spawn'; sessionId: string; pid: number; pgid: number }
  | { type: 'progress'; sessionId: string }
  | { type: 'exit'; sessionId: string; exit: SessionExit };

/** Splits a stream of text chunks into lines (without the newline). */
export class LineReader {
  private pending = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    let text = this.pending + chunk;
    let newline = text.indexOf('\n');
    while (newline !== -1) {
      const line = text.slice(0, newline);
      text = text.slice(newline + 1);
      if (line.length > 0) this.onLine(line);
      newline = text.indexOf('\n');
    }
    this.pending = text;
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

  send(message: LauncherRequest | LauncherEvent): void {
    this.lines.push(JSON.stringify(message));
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
