import { describe, expect, it } from 'vitest';
import type { SessionSpec } from '../../src/agents/types.js';
import { SimulatedRunner } from '../../src/loadtest/sim-runner.js';
import { VirtualClock } from '../../src/runtime/clock.js';

const spec = (id: string) => ({ sessionId: id, workerId: 'w', attempt: 1, issue: { id } as SessionSpec['issue'], cwd: '/', logPath: null });

function start(runner: SimulatedRunner, id: string) {
  const progress: number[] = [];
  const exits: { at: number; exitCode: number | null; signal: string | null }[] = [];
  const clock = (runner as unknown as { clock: VirtualClock }).clock;
  const handle = runner.start(spec(id), { onProgress: (at) => progress.push(at), onExit: (e) => exits.push({ at: clock.now(), ...e }) });
  return { progress, exits, handle };
}

describe('SimulatedRunner', () => {
  it('reports progress at least every progressEveryMs while working, then exits with the drawn code', () => {
    const clock = new VirtualClock(0);
    const runner = new SimulatedRunner(clock, (s) => ({ durationMs: s.sessionId === 'a' ? 10_000 : 4500, fails: s.sessionId === 'b', stalls: false }), { progressEveryMs: 1000 });
    const a = start(runner, 'a');
    clock.advance(500);
    const b = start(runner, 'b');
    clock.runUntil(() => a.exits.length > 0 && b.exits.length > 0);
    expect(a.exits).toEqual([{ at: 10_000, exitCode: 0, signal: null }]);
    expect(b.exits).toEqual([{ at: 5000, exitCode: 1, signal: null }]);
    const gaps = [0, ...a.progress, 10_000].map((t, i, all) => (i === 0 ? 0 : t - all[i - 1]!));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1000);
    expect(b.progress.every((t) => t > 500 && t <= 5000)).toBe(true);
  });

  it('lets the clock run dry once no session is working (so a finished run ends)', () => {
    const clock = new VirtualClock(0);
    const runner = new SimulatedRunner(clock, () => ({ durationMs: 3000, fails: false, stalls: false }), { progressEveryMs: 1000 });
    start(runner, 'a');
    while (clock.step());
    expect(clock.now()).toBe(3000);
    expect(clock.nextAt()).toBeNull();
  });

  it('keeps a stalling session silent until it is killed, then exits by signal', () => {
    const clock = new VirtualClock(0);
    const runner = new SimulatedRunner(clock, () => ({ durationMs: 3000, fails: false, stalls: true }), { progressEveryMs: 1000 });
    const s = start(runner, 'a');
    clock.advance(60_000);
    expect(s.progress).toEqual([]);
    expect(s.exits).toEqual([]);
    s.handle.kill();
    clock.advance(1);
    expect(s.exits).toEqual([{ at: 60_000, exitCode: null, signal: 'SIGTERM' }]);
  });
});
