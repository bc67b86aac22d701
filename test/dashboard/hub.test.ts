import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { DashboardState } from '../../src/dashboard/data.js';
import { StateHub } from '../../src/dashboard/hub.js';
import { VirtualClock } from '../../src/runtime/clock.js';

/** A page's stream: what was written to it. */
function page(): { response: ServerResponse; written: string[] } {
  const written: string[] = [];
  const response = Object.assign(new EventEmitter(), { write: (text: string) => written.push(text), end: () => {} });
  return { response: response as unknown as ServerResponse, written };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const events = (written: string[], name: string) => written.filter((w) => w.startsWith(`event: ${name}\n`));

describe('StateHub on a source without a version (a PostgreSQL store)', () => {
  it('reads at every update and sends a page only what differs', async () => {
    const clock = new VirtualClock(1000);
    let live = true;
    let reads = 0;
    const hub = new StateHub({ clock, updateMs: 1000, source: { read: async () => (reads++, { live } as DashboardState) } });
    const p = page();
    hub.add(p.response);
    await settle();
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      await settle();
    }
    expect(reads).toBe(4);
    expect(events(p.written, 'state')).toHaveLength(1);
    live = false;
    clock.advance(1000);
    await settle();
    expect(events(p.written, 'state').at(-1)).toBe('event: state\ndata: {"live":false}\n\n');
    hub.close();
  });

  it('waits for a read still under way rather than asking again', async () => {
    const clock = new VirtualClock(0);
    let reads = 0;
    let answer: (state: DashboardState) => void = () => {};
    const hub = new StateHub({ clock, updateMs: 1000, source: { read: () => (reads++, new Promise<DashboardState>((resolve) => (answer = resolve))) } });
    const p = page();
    hub.add(p.response);
    clock.advance(1000);
    clock.advance(1000);
    await settle();
    expect(reads).toBe(1);
    answer({ live: true } as DashboardState);
    await settle();
    expect(events(p.written, 'state')).toHaveLength(1);
    hub.close();
  });

  it('tells the pages when the store cannot be read, and goes on at the next update', async () => {
    const clock = new VirtualClock(0);
    let failing = true;
    const hub = new StateHub({
      clock,
      updateMs: 1000,
      source: { read: async () => (failing ? Promise.reject(new Error('cannot read the dashboard: the server cannot be reached')) : ({ live: true } as DashboardState)) },
    });
    const p = page();
    hub.add(p.response);
    await settle();
    expect(events(p.written, 'problem')).toEqual(['event: problem\ndata: {"message":"cannot read the dashboard: the server cannot be reached"}\n\n']);
    failing = false;
    clock.advance(1000);
    await settle();
    expect(events(p.written, 'state')).toHaveLength(1);
    hub.close();
  });
});
