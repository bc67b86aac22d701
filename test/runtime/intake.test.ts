import { describe, expect, it } from 'vitest';
import { SimulatedRunner } from '../../src/loadtest/sim-runner.js';
import { realClock } from '../../src/runtime/clock.js';
import { Coordinator } from '../../src/runtime/coordinator.js';
import { NO_PROCESSES } from '../../src/runtime/processes.js';
import { MemoryStore } from '../../src/store/memory/index.js';

describe('issues a library caller hands to the coordinator', () => {
  it('are refused when the store could not keep their text as given (a lone surrogate once hung the run)', async () => {
    const runner = new SimulatedRunner(realClock, () => ({ durationMs: 5, fails: false, stalls: false }), { progressEveryMs: 1000 });
    const bad = { id: 'bad\ud800', title: 't', body: '', priority: 2, labels: [] };
    const coordinator = new Coordinator({ issues: [bad], store: new MemoryStore(), runner }, { cwd: '/tmp', processes: NO_PROCESSES, lock: false });
    await expect(coordinator.initialize()).rejects.toThrow(/^issue "bad\\ud800": id: holds an unpaired UTF-16 surrogate/);
    const later = new Coordinator({ issues: [], store: new MemoryStore(), runner }, { cwd: '/tmp', processes: NO_PROCESSES, lock: false });
    expect(() => later.submit([{ ...bad, id: 'fine', labels: ['x\udc00'] }])).toThrow(/labels\.0: holds an unpaired UTF-16 surrogate/);
  });
});
