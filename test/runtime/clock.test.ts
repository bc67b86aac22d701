import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_STEP_MS, realClock, VirtualClock } from '../../src/runtime/clock.js';

const HOUR = 3_600_000;
/** 720 h, about 30 days: beyond what one Node timer can wait (2^31 − 1 ms, about 24.8 days). */
const LONG = 720 * HOUR;

describe('realClock with waits longer than a Node timer holds', () => {
  // The fake timers behave as Node's do: a delay above 2^31 − 1 ms fires after 1 ms.
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fires a 720 h timeout once, at 720 h and not before', () => {
    expect(LONG).toBeGreaterThan(MAX_TIMER_STEP_MS);
    const fired: number[] = [];
    const start = Date.now();
    realClock.setTimeout(() => fired.push(Date.now() - start), LONG);
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(LONG - 1001);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([LONG]);
    vi.advanceTimersByTime(10 * LONG);
    expect(fired).toEqual([LONG]);
  });

  it('repeats a 720 h interval every 720 h, and stops when cancelled', () => {
    const fired: number[] = [];
    const start = Date.now();
    const timer = realClock.setInterval(() => fired.push(Date.now() - start), LONG);
    vi.advanceTimersByTime(60_000);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(2 * LONG - 60_000);
    expect(fired).toEqual([LONG, 2 * LONG]);
    timer.cancel();
    vi.advanceTimersByTime(3 * LONG);
    expect(fired).toEqual([LONG, 2 * LONG]);
  });

  it('cancels a long timeout between its steps', () => {
    const fired: number[] = [];
    const timer = realClock.setTimeout(() => fired.push(1), LONG);
    vi.advanceTimersByTime(MAX_TIMER_STEP_MS + 5);
    timer.cancel();
    vi.advanceTimersByTime(2 * LONG);
    expect(fired).toEqual([]);
  });

  it('resolves a 720 h sleep at 720 h', async () => {
    let resolved = false;
    void realClock.sleep(LONG).then(() => (resolved = true));
    await vi.advanceTimersByTimeAsync(LONG - 1);
    expect(resolved).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(resolved).toBe(true);
  });

  it('still fires short timers after their delay', () => {
    const fired: string[] = [];
    realClock.setTimeout(() => fired.push('timeout'), 50);
    const every = realClock.setInterval(() => fired.push('interval'), 30);
    vi.advanceTimersByTime(60);
    every.cancel();
    expect(fired).toEqual(['interval', 'timeout', 'interval']);
  });
});

describe('VirtualClock with long waits', () => {
  it('fires a 720 h timeout and interval at their times', () => {
    const clock = new VirtualClock(0);
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(['timeout', clock.now()]), LONG);
    const every = clock.setInterval(() => fired.push(['interval', clock.now()]), LONG);
    clock.advance(LONG - 1);
    expect(fired).toEqual([]);
    clock.advance(LONG + 1);
    every.cancel();
    expect(fired).toEqual([
      ['timeout', LONG],
      ['interval', LONG],
      ['interval', 2 * LONG],
    ]);
  });
});
