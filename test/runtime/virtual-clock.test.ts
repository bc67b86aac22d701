import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/runtime/clock.js';

describe('VirtualClock', () => {
  it('moves only when told to, and fires timers in (time, creation) order', () => {
    const clock = new VirtualClock(100);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@300'), 200);
    clock.setTimeout(() => fired.push('a@200'), 100);
    clock.setTimeout(() => fired.push('c@300'), 200);
    expect(clock.now()).toBe(100);
    expect(clock.nextAt()).toBe(200);
    clock.advance(150);
    expect(fired).toEqual(['a@200']);
    expect(clock.now()).toBe(250);
    clock.advanceTo(300);
    expect(fired).toEqual(['a@200', 'b@300', 'c@300']);
  });

  it('repeats an interval, each firing at the time it was due, and stops it on cancel', () => {
    const clock = new VirtualClock(0);
    const at: number[] = [];
    const timer = clock.setInterval(() => at.push(clock.now()), 1_000);
    clock.advance(3_500);
    expect(at).toEqual([1_000, 2_000, 3_000]);
    timer.cancel();
    clock.advance(5_000);
    expect(at).toEqual([1_000, 2_000, 3_000]);
    expect(clock.pending).toBe(0);
  });

  it('lets a timer set a timer due at the same instant, which fires after the ones already due', () => {
    const clock = new VirtualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => {
      fired.push('first');
      clock.setTimeout(() => fired.push('nested'), 0);
    }, 10);
    clock.setTimeout(() => fired.push('second'), 10);
    clock.advanceTo(10);
    expect(fired).toEqual(['first', 'second', 'nested']);
  });

  it('step() fires one timer at a time and says when nothing is left', () => {
    const clock = new VirtualClock(0);
    let n = 0;
    clock.setTimeout(() => n++, 5);
    clock.setTimeout(() => n++, 7).cancel();
    expect(clock.step()).toBe(true);
    expect(clock.now()).toBe(5);
    expect(clock.step()).toBe(false);
    expect(n).toBe(1);
  });

  it('runUntil stops at the condition or at maxTime, whichever comes first', () => {
    const clock = new VirtualClock(0);
    let ticks = 0;
    clock.setInterval(() => ticks++, 100);
    clock.runUntil(() => ticks === 3);
    expect(clock.now()).toBe(300);
    clock.runUntil(() => false, 1_000);
    expect(ticks).toBe(10);
    expect(clock.now()).toBe(1_000);
  });

  it('never moves backwards, and treats negative delays as now', () => {
    const clock = new VirtualClock(1_000);
    let firedAt = -1;
    clock.setTimeout(() => (firedAt = clock.now()), -50);
    clock.advanceTo(500);
    expect(clock.now()).toBe(1_000);
    expect(firedAt).toBe(-1);
    clock.advance(0);
    expect(firedAt).toBe(1_000);
  });

  it('resolves sleep() in virtual time and keeps nothing alive', async () => {
    const clock = new VirtualClock(0);
    let woke = false;
    const sleeping = clock.sleep(2_000).then(() => (woke = true));
    clock.advance(1_999);
    await Promise.resolve();
    expect(woke).toBe(false);
    clock.advance(1);
    await sleeping;
    expect(woke).toBe(true);
    const release = clock.keepAlive();
    expect(() => release()).not.toThrow();
  });
});
