import { describe, expect, it } from 'vitest';
import type { SessionCallbacks, SessionRunner } from '../../src/agents/types.js';
import { VirtualClock } from '../../src/runtime/clock.js';
import { Coordinator } from '../../src/runtime/coordinator.js';
import { NO_PROCESSES } from '../../src/runtime/processes.js';
import { MemoryStore } from '../../src/store/memory/index.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("a running agent's activity reaches the store", () => {
  it('keeps the latest activity and spend of a running session where another process reads it', async () => {
    const clock = new VirtualClock(1_000_000);
    const store = new MemoryStore();
    const running: SessionCallbacks[] = [];
    const runner: SessionRunner = {
      start: (_spec, callbacks) => {
        running.push(callbacks);
        return { pid: null, pgid: null, kill: () => callbacks.onExit({ exitCode: null, signal: 'SIGTERM' }) };
      },
    };
    const coordinator = new Coordinator(
      { issues: [{ id: 'A', title: 'a', body: '', priority: 2, labels: [] }], store, runner, settings: { agentFormat: 'claude-stream-json' } },
      { cwd: '/tmp', clock, processes: NO_PROCESSES, newSessionId: () => 's1', scaleConfig: { minWorkers: 1, maxWorkers: 1, healthCheckIntervalMs: 10_000 } },
    );
    const done = coordinator.run();
    await flush();
    clock.runUntil(() => running.length === 1, clock.now() + 60_000);
    const agent = running[0]!;
    agent.onAgentEvents!(
      [
        { type: 'progress', kind: 'tool_use', activity: 'Bash: npm test' },
        { type: 'usage', basis: 'process', tokens: { inputTokens: 500, outputTokens: 50, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd: 0.1 },
      ],
      clock.now(),
    );
    expect(store.getSession('s1')).toMatchObject({ activity: { text: 'Bash: npm test' }, usage: { costUsd: 0.1, inputTokens: 500, outputTokens: 50 } });
    // Within the throttle: kept in the run, written at the next health check.
    agent.onAgentEvents!([{ type: 'progress', kind: 'message', activity: 'All tests pass' }], clock.now() + 1);
    expect(store.getSession('s1')?.activity?.text).toBe('Bash: npm test');
    clock.advance(10_000);
    expect(store.getSession('s1')?.activity?.text).toBe('All tests pass');
    agent.onAgentEvents!([{ type: 'result', ok: true, error: null, apiStatus: null, subtype: 'success', numTurns: 1, durationMs: 1, costUsd: 0.1, usage: null, text: 'done' }], clock.now());
    agent.onExit({ exitCode: 0, signal: null });
    clock.runUntil(() => store.countIssues().done === 1, clock.now() + 60_000);
    await done;
  });
});
