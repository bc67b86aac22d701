import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { VirtualClock } from '../../src/runtime/clock.js';
import { ScaleManager, createScaleManager } from '../../src/runtime/scale-manager.js';
import { WorkerPool } from '../../src/runtime/worker-pool.js';

function setup(config: Record<string, number> = {}) {
  const clock = new VirtualClock(0);
  const events = new EventBus();
  const pool = new WorkerPool('/tmp', { clock, events });
  const seen: string[] = [];
  for (const name of ['scale:up', 'scale:down', 'session:stalled', 'backpressure:on', 'backpressure:off', 'health:error', 'pool:recycled'] as const) {
    events.on(name, () => seen.push(name));
  }
  const manager = new ScaleManager(pool, '/tmp', null, { healthCheckIntervalMs: 1000, scaleCooldownMs: 5000, ...config }, { clock, write: () => {} });
  return { clock, events, pool, manager, seen };
}

describe('ScaleManager', () => {
  it('provisions minWorkers on start and checks on every interval with the injected clock', async () => {
    const { clock, pool, manager, events } = setup();
    let checks = 0;
    events.on('health:checked', () => checks++);
    await manager.start();
    expect(pool.size).toBe(4);
    expect(checks).toBe(1);
    clock.advance(3000);
    expect(checks).toBe(4);
    await manager.stop();
    clock.advance(5000);
    expect(checks).toBe(4);
  });

  it('really grows the pool when the queue ratio exceeds the threshold, and counts one operation', async () => {
    const { clock, pool, manager, seen } = setup();
    await manager.start();
    manager.setQueueDepth(40);
    clock.advance(1000);
    expect(pool.size).toBe(8);
    expect(manager.getMetrics().scaleOperations).toBe(1);
    // Cooldown: no second step before 5 s.
    clock.advance(3000);
    expect(pool.size).toBe(8);
    clock.advance(2000);
    expect(pool.size).toBe(16);
    expect(seen.filter((s) => s === 'scale:up')).toHaveLength(2);
  });

  it('shrinks only by retiring idle workers and does not count a no-op', async () => {
    const { clock, pool, manager } = setup({ minWorkers: 2 });
    await manager.start();
    manager.setQueueDepth(40);
    clock.advance(1000);
    expect(pool.size).toBe(6);
    pool.idle().slice(0, 3).forEach((w, i) => manager.onSessionStart(w.id, `s${i}`, clock.now()));
    manager.setQueueDepth(0);
    clock.advance(6000);
    expect(pool.size).toBe(3);
    expect(pool.busy()).toHaveLength(3);
    const ops = manager.getMetrics().scaleOperations;
    clock.advance(20_000);
    expect(manager.getMetrics().scaleOperations).toBe(ops);
  });

  it('reports a stall once, from the time of the last progress, not the session start', async () => {
    const { clock, pool, manager, events } = setup({ workerStallTimeoutMs: 10_000 });
    const stalled: string[] = [];
    events.on('session:stalled', (e) => stalled.push(e.sessionId));
    await manager.start();
    const [a, b] = pool.idle();
    manager.onSessionStart(a!.id, 'busy-talker', 0);
    manager.onSessionStart(b!.id, 'silent', 0);
    for (let t = 2000; t <= 14_000; t += 2000) {
      clock.advanceTo(t);
      manager.onSessionProgress('busy-talker', t);
    }
    expect(stalled).toEqual(['silent']);
    expect(manager.getMetrics().stalledWorkers).toBe(1);
    expect(manager.getMetrics().health).toBe('degraded');
    for (let t = 16_000; t <= 40_000; t += 2000) {
      clock.advanceTo(t);
      manager.onSessionProgress('busy-talker', t);
    }
    expect(stalled).toEqual(['silent']);
    expect(manager.getMetrics().workerStalls).toBe(1);
  });

  it('keeps health degraded for the window after a stall, then recovers', async () => {
    const { clock, pool, manager } = setup({ workerStallTimeoutMs: 1000 });
    await manager.start();
    const [a] = pool.idle();
    manager.onSessionStart(a!.id, 's', 0);
    clock.advanceTo(2000);
    manager.onSessionEnd(a!.id, 's', 'stalled', 2000, 2000);
    clock.advanceTo(5000);
    expect(manager.getMetrics().health).not.toBe('healthy');
    clock.advanceTo(2000 + 10 * 1000 + 1);
    manager.onSessionStart(pool.idle()[0]!.id, 'ok', clock.now());
    manager.onSessionEnd(pool.busy()[0]!.id, 'ok', 'success', 10, clock.now());
    expect(manager.getMetrics().health).toBe('healthy');
  });

  it('counts a backpressure activation on the transition only', async () => {
    const { manager, seen } = setup({ maxQueueDepth: 10, targetQueueDepth: 5 });
    for (const depth of [3, 11, 12, 13, 8, 11, 5, 11]) manager.setQueueDepth(depth);
    expect(manager.getMetrics().backpressureActivations).toBe(2);
    expect(seen.filter((s) => s === 'backpressure:on')).toHaveLength(2);
    expect(manager.shouldApplyBackpressure()).toBe(true);
  });

  it('recycles a worker that reached its session quota when it goes idle', async () => {
    const { pool, manager, seen } = setup({ maxSessionsPerWorker: 2, minWorkers: 1, maxWorkers: 1 });
    await manager.start();
    const id = pool.idle()[0]!.id;
    manager.onSessionStart(id, 'a', 0);
    manager.onSessionEnd(id, 'a', 'success', 5, 5);
    expect(manager.hasExceededQuota(id)).toBe(false);
    manager.onSessionStart(id, 'b', 5);
    expect(manager.hasExceededQuota(id)).toBe(true);
    manager.onSessionEnd(id, 'b', 'success', 5, 10);
    expect(seen).toContain('pool:recycled');
    expect(pool.get(id)).toBeUndefined();
    expect(pool.idle()).toHaveLength(1);
    expect(pool.idle()[0]!.sessionsRun).toBe(0);
  });

  it('reports an error thrown in a check instead of throwing it into the timer', async () => {
    const { clock, manager, events } = setup();
    const errors: unknown[] = [];
    events.on('health:error', (e) => errors.push(e.error));
    const broken = new ScaleManager(manager.workerPool, '/tmp', null, { healthCheckIntervalMs: 1000 }, {
      clock,
      events,
      policy: () => {
        throw new Error('policy exploded');
      },
    });
    await broken.start();
    expect(() => clock.advance(2000)).not.toThrow();
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(broken.lastCheckError).toBeInstanceOf(Error);
  });

  it('never reports NaN for an empty pool and computes the seed metrics', async () => {
    const { manager } = setup();
    const m = manager.getMetrics();
    expect(Object.values(m).some((v) => typeof v === 'number' && Number.isNaN(v))).toBe(false);
    expect(m).toMatchObject({ currentWorkers: 0, successRate: 1, health: 'healthy', avgSessionDurationMs: 0 });
  });

  it('real timers never keep the process alive (the interval is unref-ed)', async () => {
    const pool = new WorkerPool('/tmp');
    const manager = createScaleManager(pool, '/tmp', null, { minWorkers: 1, maxWorkers: 2 }, { write: () => {} });
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    await manager.start();
    const during = timers();
    await manager.stop();
    expect(during).toBe(before);
  });

  it('displays metrics as a table', async () => {
    const out: string[] = [];
    const pool = new WorkerPool('/tmp', { clock: new VirtualClock() });
    const manager = new ScaleManager(pool, '/tmp', { depth: () => 3 }, {}, { clock: new VirtualClock(), write: (s) => out.push(s) });
    manager.displayMetrics();
    expect(out.join('')).toMatch(/workers[\s\S]*queue[\s\S]*health/);
    expect(manager.getMetrics().mergeQueueDepth).toBe(3);
  });
});
