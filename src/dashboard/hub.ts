/**
 * One reader of the store for every open page: each update interval it
 * looks whether the store changed (SQLite's data_version, a read of the
 * file header), and only then reads the dashboard's state once and sends
 * the same text to every page. An unchanged store is read again every
 * REREAD_MS (a harness that died writes nothing, yet is no longer live),
 * and a quiet stream gets a comment every KEEPALIVE_MS. No page open,
 * nothing is read.
 */
import type { ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '../runtime/clock.js';
import type { DashboardState } from './data.js';
import { eventText } from './sse.js';

export const REREAD_MS = 5000;
export const KEEPALIVE_MS = 15_000;

export interface HubOptions {
  clock: Clock;
  updateMs: number;
  /** A number that changes whenever the store does. */
  version: () => number;
  read: () => DashboardState;
}

export class StateHub {
  private readonly pages = new Set<ServerResponse>();
  private timer: TimerHandle | null = null;
  private last: { version: number; readAt: number; text: string } | null = null;
  private sentAt = 0;

  constructor(private readonly options: HubOptions) {}

  /** The state now (read afresh if the store changed), as JSON. */
  current(): string {
    const { clock, version, read } = this.options;
    const v = version();
    const now = clock.now();
    if (this.last && this.last.version === v && now - this.last.readAt < REREAD_MS) return this.last.text;
    this.last = { version: v, readAt: now, text: JSON.stringify(read()) };
    return this.last.text;
  }

  add(page: ServerResponse): void {
    this.pages.add(page);
    page.write(eventText('state', this.current()));
    page.on('close', () => this.remove(page));
    this.timer ??= this.options.clock.setInterval(() => this.tick(), this.options.updateMs);
  }

  get size(): number {
    return this.pages.size;
  }

  close(): void {
    this.timer?.cancel();
    this.timer = null;
    for (const page of this.pages) page.end();
    this.pages.clear();
  }

  private remove(page: ServerResponse): void {
    this.pages.delete(page);
    if (this.pages.size > 0) return;
    this.timer?.cancel();
    this.timer = null;
  }

  private tick(): void {
    const before = this.last?.text;
    let text: string;
    try {
      text = this.current();
    } catch (error) {
      // A store that cannot be read now (being replaced, say) is tried again at the next tick; the pages say so.
      const message = JSON.stringify({ message: error instanceof Error ? error.message : String(error) });
      for (const page of this.pages) page.write(eventText('problem', message));
      return;
    }
    const now = this.options.clock.now();
    if (text !== before) {
      this.broadcast(eventText('state', text));
    } else if (now - this.sentAt >= KEEPALIVE_MS) {
      this.broadcast(': keep-alive\n\n');
    }
  }

  private broadcast(text: string): void {
    this.sentAt = this.options.clock.now();
    for (const page of this.pages) page.write(text);
  }
}
