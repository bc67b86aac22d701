import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../src/core/run/protocol.js';
import { actions, emitted, rules, run, session, state, view, worker, writes } from './builders.js';

const workers = (n: number, busy = 0) => Array.from({ length: n }, (_, i) => worker(`worker-${i + 1}`, i < busy ? { state: 'busy' as const } : {}));

describe('stall detection', () => {
  it.each([
    // now, last progress → stalled (timeout 10 s, strictly longer)
    [10_000, 0, false],
    [10_001, 0, true],
    [25_000, 15_000, false],
    [25_001, 15_000, true],
  ])('at %i with progress last at %i: stalled %s', (now, lastProgressAt, stalled) => {
    const s = state({ workers: workers(2), sessions: [session('s1', 'worker-1', { lastProgressAt })] });
    s.checking = true;
    const commands = run(s, [[{ type: 'timer', key: 'health' }, now]]);
    expect(emitted(commands).includes('session:stalled')).toBe(stalled);
    expect(actions(commands).some((c) => c.type === 'kill')).toBe(stalled);
    expect(s.tally.stalls).toBe(stalled ? 1 : 0);
  });

  it('reports a stall once, and only announces sessions it did not dispatch', () => {
    const s = state({ workers: workers(2), sessions: [session('hook', 'worker-1', { issue: null })] });
    s.checking = true;
    const first = run(s, [[{ type: 'check' }, 20_000]]);
    const second = run(s, [[{ type: 'check' }, 21_000]]);
    expect(emitted(first)).toContain('session:stalled');
    expect(actions(first).some((c) => c.type === 'kill')).toBe(false);
    expect(emitted(second)).not.toContain('session:stalled');
  });
});

describe('scaling at the health check', () => {
  it.each([
    // workers, busy, queue depth, last scale at, now → pool after, operation
    [4, 0, 40, null, 10_000, 8, 'scale:up'],
    [4, 0, 40, 8_000, 10_000, 4, null], // cooldown (5 s)
    [8, 8, 40, 0, 10_000, 10, 'scale:up'], // capped at maxWorkers (10)
    [10, 10, 40, 0, 10_000, 10, null], // at maxWorkers
    [8, 2, 1, 0, 10_000, 3, 'scale:down'], // only idle workers leave: 2 busy + 1 queued
    [8, 8, 1, 0, 10_000, 8, null], // every worker has work
    [1, 0, 0, null, 10_000, 2, 'scale:up'], // below minWorkers: topped up
  ])('%i workers (%i busy), queue %i, last scale %s, at %i → %i workers', (n, busy, queueDepth, lastScaleAt, now, after, op) => {
    const s = state({ workers: workers(n, busy), view: view({ queued: queueDepth }), queueDepth });
    s.checking = true;
    s.lastScaleAt = lastScaleAt;
    const commands = run(s, [[{ type: 'timer', key: 'health' }, now]]);
    const live = [...s.pool.workers.values()].filter((w) => w.state !== 'draining').length;
    expect(live).toBe(after);
    expect(emitted(commands).filter((e) => e === 'scale:up' || e === 'scale:down')).toEqual(op ? [op] : []);
    expect(s.scaleOperations).toBe(op ? 1 : 0);
    if (op) expect(writes(commands)).toContainEqual(expect.objectContaining({ op: 'scale', at: now, from: n, to: after }));
  });

  it('re-arms its timer first, then publishes its metrics after the dispatch it caused', () => {
    const s = state({ workers: workers(2), view: view({ queued: 30 }), queueDepth: 30 });
    s.checking = true;
    const commands = run(s, [[{ type: 'timer', key: 'health' }, 10_000]]);
    expect(commands[0]).toEqual({ type: 'set-timer', key: 'health', at: 11_000 });
    const kinds = actions(commands).map((c) => c.type);
    expect(kinds.lastIndexOf('claim')).toBeLessThan(kinds.indexOf('then'));
    expect(run(s, [[{ type: 'checked' }, 10_000]])).toEqual([{ type: 'snapshot', at: 10_000 }]);
  });

  it('reports a policy that throws as health:error and still checks on', () => {
    const s = state({ rules: rules({ policy: () => { throw new Error('boom'); } }), workers: workers(2) });
    s.checking = true;
    const commands = run(s, [[{ type: 'timer', key: 'health' }, 1_000]]);
    expect(emitted(commands)).toContain('health:error');
    expect(commands[0]).toMatchObject({ type: 'set-timer', key: 'health' });
    expect(s.lastCheckError).toBeInstanceOf(Error);
  });

  it('judges health over the window: degraded by one stall, unhealthy below 50 % success', () => {
    const s = state({ workers: workers(3), sessions: [session('s1', 'worker-1', { lastProgressAt: 0 })] });
    s.checking = true;
    const stalled = run(s, [[{ type: 'check' }, 10_001]]);
    expect(emitted(stalled)).toContain('health:changed');
    expect(s.health).toBe('degraded');
    // 10 checks later the stall has left the window.
    run(s, [[{ type: 'check' }, 10_001 + 10_000]]);
    expect(s.health).toBe('healthy');
  });
});

describe('host limits at the health check', () => {
  const GB = 1_000_000_000;
  const limited = () => rules({ host: { maxLoad: 6, minFreeMemory: 2 * GB } });
  const host = (load1: number, freeBytes = 16 * GB): [RunEvent, number] => [{ type: 'host', sample: { load1, freeBytes } }, 0];
  const live = (s: ReturnType<typeof state>) => [...s.pool.workers.values()].filter((w) => w.state !== 'draining').length;

  it.each<[string, number, number, number, number, number, string | null]>([
    // what, load, free GB, workers, busy, queue → pool after, why it held
    ['load over: no scale-up', 7.9, 16, 4, 4, 40, 'host load 7.9 > host.maxLoad 6: not growing (queue 40, 10.00 per worker > 2)'],
    ['memory short: no scale-up', 1, 1.2, 4, 4, 40, 'free memory 1.2 GB < host.minFreeMemory 2 GB: not growing (queue 40, 10.00 per worker > 2)'],
    ['within limits: scales up', 5, 16, 4, 4, 40, null],
    ['below minWorkers: not topped up either', 9, 16, 1, 1, 0, 'host load 9 > host.maxLoad 6: not growing (below minWorkers)'],
  ])('%s', (_, load1, freeGb, n, busy, queueDepth, held) => {
    const s = state({ rules: limited(), workers: workers(n, busy), view: view({ queued: queueDepth }), queueDepth });
    s.checking = true;
    const commands = run(s, [host(load1, freeGb * GB), [{ type: 'timer', key: 'health' }, 10_000]]);
    if (held === null) {
      expect(live(s)).toBeGreaterThan(n);
      expect(emitted(commands)).toContain('scale:up');
      expect(emitted(commands)).not.toContain('scale:held');
    } else {
      expect(live(s)).toBe(n);
      expect(s.lastDecision).toMatchObject({ direction: 'hold', from: n, target: n, reason: held });
      expect(emitted(commands)).not.toContain('scale:up');
      expect(commands).toContainEqual({ type: 'emit', name: 'scale:held', payload: { at: 10_000, workers: n, reason: held } });
      expect(s.scaleOperations).toBe(0);
    }
  });

  it('never shrinks for it: a scale-down goes ahead while the host is over its limits', () => {
    const s = state({ rules: limited(), workers: workers(8, 1), view: view({ queued: 0 }), queueDepth: 0 });
    s.checking = true;
    const commands = run(s, [host(50, 0), [{ type: 'check' }, 10_000]]);
    expect(emitted(commands)).toContain('scale:down');
    expect(live(s)).toBe(2);
  });

  it('lets idle workers take issues while it holds growth back: only new workers wait', () => {
    const s = state({ rules: limited(), workers: workers(4), view: view({ queued: 40 }), queueDepth: 40 });
    s.checking = true;
    const commands = run(s, [host(8), [{ type: 'check' }, 10_000]]);
    expect(actions(commands).filter((c) => c.type === 'claim')).toHaveLength(4);
    expect(live(s)).toBe(4);
  });

  it('announces a spell once, and its end when the host is under its limits again, then grows', () => {
    const s = state({ rules: limited(), workers: workers(4, 4), view: view({ queued: 40 }), queueDepth: 40 });
    s.checking = true;
    const first = run(s, [host(8), [{ type: 'check' }, 10_000]]);
    const second = run(s, [host(7), [{ type: 'check' }, 11_000]]);
    const after = run(s, [host(2), [{ type: 'check' }, 12_000]]);
    expect(emitted(first).filter((e) => e.startsWith('scale:'))).toEqual(['scale:held']);
    expect(emitted(second).filter((e) => e.startsWith('scale:'))).toEqual([]);
    expect(emitted(after).filter((e) => e.startsWith('scale:'))).toEqual(['scale:released', 'scale:up']);
    expect(s.pool.workers.size).toBeGreaterThan(4);
  });

  it('a run that starts over a limit provisions no workers until a check finds the host within it', () => {
    const s = state({ rules: limited(), view: view({ queued: 3 }), queueDepth: 3 });
    const start = run(s, [host(9), [{ type: 'start-checks' }, 1_000]]);
    expect(s.pool.workers.size).toBe(0);
    expect(emitted(start)).toContain('scale:held');
    run(s, [host(1), [{ type: 'timer', key: 'health' }, 2_000]]);
    expect(s.pool.workers.size).toBe(2);
  });

  it('holds nothing back without a sample (none taken, or it could not be read)', () => {
    const s = state({ rules: limited(), view: view({ queued: 3 }), queueDepth: 3 });
    run(s, [[{ type: 'host', sample: null }, 0], [{ type: 'start-checks' }, 1_000]]);
    expect(s.pool.workers.size).toBe(2);
  });
});
