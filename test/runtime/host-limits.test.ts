import { describe, expect, it } from 'vitest';
import type { HostSample } from '../../src/core/host.js';
import { SimulatedRunner } from '../../src/loadtest/sim-runner.js';
import { VirtualClock } from '../../src/runtime/clock.js';
import { Coordinator } from '../../src/runtime/coordinator.js';
import { sampleHost } from '../../src/runtime/engine-ports.js';
import { systemHost } from '../../src/runtime/host.js';
import { NO_PROCESSES } from '../../src/runtime/processes.js';
import type { RunSummary } from '../../src/runtime/coordinator-types.js';
import { MemoryStore } from '../../src/store/memory/index.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

const T0 = 1_000_000;
/** The host is over host.maxLoad (4) from just after the run starts until BUSY_UNTIL. */
const BUSY_UNTIL = T0 + 60_000;

function setup(settings: { host?: { maxLoad: number | null; minFreeMemory: number | null } }) {
  const clock = new VirtualClock(T0);
  const store = new MemoryStore();
  const samples: HostSample[] = [];
  const host = (): HostSample => {
    const now = clock.now();
    const sample = { load1: now > T0 && now < BUSY_UNTIL ? 8 : 1, freeBytes: 16_000_000_000 };
    samples.push(sample);
    return sample;
  };
  const runner = new SimulatedRunner(clock, () => ({ durationMs: 20_000, fails: false, stalls: false }), { progressEveryMs: 1000 });
  let n = 0;
  const coordinator = new Coordinator(
    { issues: Array.from({ length: 80 }, (_, i) => ({ id: `I-${i + 1}`, title: `issue ${i + 1}`, body: '', priority: 2, labels: [] })), store, runner, settings },
    {
      cwd: '/tmp',
      clock,
      processes: NO_PROCESSES,
      newSessionId: () => `s${++n}`,
      scaleConfig: { minWorkers: 2, maxWorkers: 12, healthCheckIntervalMs: 1000, scaleCooldownMs: 1000, workerStallTimeoutMs: 60_000 },
      host,
    },
  );
  return { clock, coordinator, samples };
}

async function runToEnd(clock: VirtualClock, coordinator: Coordinator): Promise<RunSummary> {
  let summary: RunSummary | undefined;
  const done = coordinator.run().then((s) => (summary = s));
  await flush();
  for (let i = 0; i < 1_000_000 && !summary; i++) {
    if (!clock.step()) break;
    if (i % 1000 === 0) await Promise.resolve();
  }
  await done;
  return summary!;
}

describe('host limits on a coordinator', () => {
  it('does not grow the pool while the host is over host.maxLoad, lets its sessions go on, and grows once the host is within it', async () => {
    const { clock, coordinator, samples } = setup({ host: { maxLoad: 4, minFreeMemory: null } });
    const added: number[] = [];
    const started: number[] = [];
    const held: { at: number; workers: number; reason: string }[] = [];
    const released: number[] = [];
    const ups: { at: number; to: number }[] = [];
    let checks = 0;
    coordinator.events.on('pool:added', (e) => added.push(e.at));
    coordinator.events.on('session:started', (e) => started.push(e.at));
    coordinator.events.on('scale:held', (e) => held.push(e));
    coordinator.events.on('scale:released', (e) => released.push(e.at));
    coordinator.events.on('scale:up', (e) => ups.push({ at: e.at, to: e.to }));
    coordinator.events.on('health:checked', () => checks++);
    const summary = await runToEnd(clock, coordinator);

    expect(summary.issues.done).toBe(80);
    // The first check (within limits) grew the pool; over the limit nothing was added, however deep the queue.
    const sizeWhenBusy = Math.max(...ups.filter((u) => u.at <= T0).map((u) => u.to));
    expect(sizeWhenBusy).toBeLessThan(12);
    expect(added.filter((at) => at > T0 && at < BUSY_UNTIL)).toEqual([]);
    expect(held).toEqual([{ at: T0 + 1000, workers: sizeWhenBusy, reason: expect.stringMatching(/^host load 8 > host\.maxLoad 4: not growing \(queue \d+, [\d.]+ per worker > 2\)$/) }]);
    // The workers it had went on taking issues.
    expect(started.filter((at) => at > T0 && at < BUSY_UNTIL).length).toBeGreaterThan(sizeWhenBusy);
    // Within the limit again: announced, and the pool grows to maxWorkers.
    expect(released).toEqual([BUSY_UNTIL]);
    expect(ups.filter((u) => u.at >= BUSY_UNTIL).map((u) => u.to)).toContain(12);
    // The host is read once before each health check, never between them.
    expect(samples.length).toBe(checks);
  });

  it('never reads the host when no limit is set', async () => {
    const { clock, coordinator, samples } = setup({});
    const summary = await runToEnd(clock, coordinator);
    expect(summary.issues.done).toBe(80);
    expect(samples).toEqual([]);
  });
});

describe('reading the host', () => {
  it('the system sampler gives the load average and free memory as numbers', () => {
    const sample = systemHost();
    expect(Number.isFinite(sample.load1) && sample.load1 >= 0).toBe(true);
    expect(Number.isSafeInteger(sample.freeBytes) && sample.freeBytes > 0).toBe(true);
  });

  it.each<[string, () => HostSample]>([
    ['a sampler that throws', () => { throw new Error('no /proc here'); }],
    ['a load that is not a number', () => ({ load1: Number.NaN, freeBytes: 1 })],
    ['free memory that is not a number', () => ({ load1: 1, freeBytes: Number.POSITIVE_INFINITY })],
  ])('%s gives no sample, so nothing is held back for it', (_, sampler) => {
    expect(sampleHost(sampler)).toBeNull();
  });
});
