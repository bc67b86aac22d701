/**
 * One reader of the store for every open page: each update interval it
 * asks the source whether the store changed (SQLite's data_version, a read
 * of the file header), and only then reads the dashboard's state once and
 * sends the same text to every page. A source that cannot tell (a
 * PostgreSQL server: there is no file to watch) is read at every update,
 * by cheap queries, and a page is sent only what differs. An unchanged
 * store is read again every REREAD_MS (a harness that died writes
 * nothing, yet is no longer live), and a quiet stream gets a comment every
 * KEEPALIVE_MS. No page open, nothing is read; a read still under way when
 * the next update is due is waited for, never doubled.
 */
import type { ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '../runtime/clock.js';
import type { DashboardSource } from './source.js';
import { eventText } from './sse.js';

export const REREAD_MS = 5000;
export const KEEPALIVE_MS = 15_000;

export interface HubOptions {
  clock: Clock;
  updateMs: number;
  source: Pick<DashboardSource, 'version' | 'read'>;
}

/** What no version can equal: a source without one is read every time. */
const UNVERSIONED = Symbol('unversioned');

export class StateHub {
  private readonly pages = new Set<ServerResponse>();
  private timer: TimerHandle | null = null;
  private last: { version: unknown; readAt: number; text: string } | null = null;
  private reading: Promise<string> | null = null;
  private sentAt = 0;
  private closed = false;

  constructor(private readonly options: HubOptions) {}

  /** The state now (read afresh if the store changed), as JSON. */
  current(): Promise<string> {
    this.reading ??= this.readNow().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  add(page: ServerResponse): void {
    this.pages.add(page);
    page.on('close', () => this.remove(page));
    this.current().then(
      (text) => {
        if (this.pages.has(page)) page.write(eventText('state', text));
      },
      (error: unknown) => {
        if (this.pages.has(page)) page.write(problemText(error));
      },
    );
    this.timer ??= this.options.clock.setInterval(() => void this.tick(), this.options.updateMs);
  }

  get size(): number {
    return this.pages.size;
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
    for (const page of this.pages) page.end();
    this.pages.clear();
  }

  private async readNow(): Promise<string> {
    const { clock, source } = this.options;
    const version = source.version ? await source.version() : UNVERSIONED;
    const now = clock.now();
    if (this.last && version !== UNVERSIONED && this.last.version === version && now - this.last.readAt < REREAD_MS) return this.last.text;
    const text = JSON.stringify(await source.read());
    this.last = { version, readAt: now, text };
    return text;
  }

  private async tick(): Promise<void> {
    // A tick while a read is under way waits for it rather than reading again.
    if (this.reading) return;
    const before = this.last?.text;
    let text: string;
    try {
      text = await this.current();
    } catch (error) {
      // A store that cannot be read now (being replaced, a server restarting) is tried again at the next tick; the pages say so.
      if (!this.closed) for (const page of this.pages) page.write(problemText(error));
      return;
    }
    if (this.closed) return;
    const now = this.options.clock.now();
    if (text !== before) {
      this.broadcast(eventText('state', text));
    } else if (now - this.sentAt >= KEEPALIVE_MS) {
      this.broadcast(': keep-alive\n\n');
    }
  }

  private remove(page: ServerResponse): void {
    this.pages.delete(page);
    if (this.pages.size > 0) return;
    this.timer?.cancel();
    this.timer = null;
  }

  private broadcast(text: string): void {
    this.sentAt = this.options.clock.now();
    for (const page of this.pages) page.write(text);
  }
}

function problemText(error: unknown): string {
  return eventText('problem', JSON.stringify({ message: error instanceof Error ? error.message : String(error) }));
}
