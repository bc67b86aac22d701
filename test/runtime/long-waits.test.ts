import { describe, expect, it } from 'vitest';
import { SimulatedRunner } from '../../src/loadtest/sim-runner.js';
import { realClock, type Clock } from '../../src/runtime/clock.js';
import { Coordinator } from '../../src/runtime/coordinator.js';
import { NO_PROCESSES } from '../../src/runtime/processes.js';
import { MemoryStore } from '../../src/store/memory/index.js';

const HOUR = 3_600_000;

describe('the coordinator on the real clock with a retry delay of 720 h', () => {
  it('arms one wake-up for the retry instead of waking every millisecond', async () => {
    let longWakeUps = 0;
    // realClock, counting the timers set for more than an hour (only the retry wake-up is).
    const clock: Clock = {
      ...realClock,
      setTimeout: (fn, ms) => {
        if (ms > HOUR) longWakeUps++;
        return realClock.setTimeout(fn, ms);
      },
    };
    const runner = new SimulatedRunner(clock, () => ({ durationMs: 5, fails: true, stalls: false }), { progressEveryMs: 1000 });
    const coordinator = new Coordinator(
      { issues: [{ id: 'doomed', title: 't', body: '', priority: 2, labels: [] }], store: new MemoryStore(), runner, settings: { retryDelayMs: 720 * HOUR, maxAttempts: 3 } },
      { cwd: '/tmp', clock, processes: NO_PROCESSES, lock: false, scaleConfig: { minWorkers: 1, maxWorkers: 1, healthCheckIntervalMs: 20 } },
    );
    let checks = 0;
    let ended = 0;
    const tenChecksAfterTheFailure = new Promise<void>((resolve) => {
      coordinator.events.on('session:ended', () => ended++);
      coordinator.events.on('health:checked', () => {
        if (ended > 0 && ++checks === 10) resolve();
      });
    });
    const run = coordinator.run();
    await tenChecksAfterTheFailure;
    coordinator.stop();
    const summary = await run;
    expect(summary.sessions.failure).toBe(1);
    expect(summary.issues.queued).toBe(1);
    // Without steps, a 720 h timer fires after 1 ms, finds nothing due and is set again: hundreds in 200 ms.
    expect(longWakeUps).toBe(1);
  });
});
