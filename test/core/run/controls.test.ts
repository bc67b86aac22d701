import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../../src/agents/formats/events.js';
import { emptySummary } from '../../../src/agents/formats/summary.js';
import { actions, emitted, issue, rules, run, session, state, view, worker, writes } from './builders.js';

const progress = (activity: string): AgentEvent => ({ type: 'progress', kind: 'tool_use', activity });
const usage = (costUsd: number, inputTokens: number, outputTokens: number): AgentEvent => ({
  type: 'usage',
  basis: 'process',
  tokens: { inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0 },
  costUsd,
});

/** Two workers, session s1 of issue A running on worker-1, more work queued. */
function running(extra: Parameters<typeof rules>[0] = {}) {
  return state({
    rules: rules({ agentFormat: 'claude-stream-json', ...extra }),
    workers: [worker('worker-1'), worker('worker-2')],
    sessions: [session('s1', 'worker-1', { issue: issue('A'), agent: emptySummary() })],
    view: view({ queued: 3, running: 1 }),
  });
}

describe("an operator's requests", () => {
  it('cancels a running session: it is killed, ends cancelled with who cancelled it, and its issue goes back free', () => {
    const s = running();
    const cancelled = run(s, [[{ type: 'cancel-session', sessionId: 's1', by: 'from the dashboard' }, 10]]);
    expect(actions(cancelled)).toEqual([{ type: 'kill', sessionId: 's1' }]);
    const ended = run(s, [[{ type: 'exited', sessionId: 's1', exit: { exitCode: null, signal: 'SIGTERM' } }, 11]]);
    expect(writes(ended).find((w) => w.op === 'finish')).toMatchObject({
      end: { outcome: 'cancelled', reason: 'cancelled from the dashboard' },
      transition: { status: 'queued', refundAttempt: true },
    });
  });

  it.each([
    ['a session that is not running', 'nobody'],
    ['a session already handing off its branch', 's1'],
  ])('does nothing for %s', (_, sessionId) => {
    const s = running();
    s.sessions.get('s1')!.phase = sessionId === 's1' ? 'handing-off' : 'running';
    expect(run(s, [[{ type: 'cancel-session', sessionId, by: 'from the dashboard' }, 10]])).toEqual([]);
  });

  it('pauses dispatch with a recorded hold, and resumes it when the hold is lifted', () => {
    const s = running();
    const paused = run(s, [[{ type: 'pause', reason: 'paused from the dashboard' }, 10]]);
    expect(writes(paused)).toContainEqual(expect.objectContaining({ op: 'hold', kind: 'paused', reason: 'paused from the dashboard', since: 10 }));
    // A queue change would start a session on the free worker: not while paused.
    expect(run(s, [[{ type: 'queue', view: view({ queued: 3, running: 1 }) }, 11]]).some((c) => c.type === 'claim')).toBe(false);
    const resumed = run(s, [[{ type: 'lift-hold', kind: 'paused', by: 'resumed from the dashboard' }, 12]]);
    expect(writes(resumed)).toContainEqual({ op: 'hold-end', kind: 'paused', at: 12, by: 'resumed from the dashboard' });
    expect(resumed).toContainEqual({ type: 'claim', workerId: 'worker-2', now: 12 });
  });
});

describe("a running session's activity, kept for readers elsewhere", () => {
  it('writes the latest activity and spend so far when the agent reports them', () => {
    const s = running();
    const said = run(s, [[{ type: 'agent', sessionId: 's1', events: [progress('Bash: npm test'), usage(0.25, 100, 20)], at: 5 }, 5]]);
    expect(writes(said)).toContainEqual({
      op: 'activity',
      sessionId: 's1',
      activity: { at: 5, text: 'Bash: npm test', costUsd: 0.25, inputTokens: 100, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0 },
    });
  });

  it('writes at most once per progressPersistMs, and what is left at the next health check', () => {
    const s = running();
    s.checking = true;
    run(s, [[{ type: 'agent', sessionId: 's1', events: [progress('first')], at: 1_000 }, 1_000]]);
    const soon = run(s, [[{ type: 'agent', sessionId: 's1', events: [progress('second')], at: 2_000 }, 2_000]]);
    expect(writes(soon).filter((w) => w.op === 'activity')).toEqual([]);
    const checked = run(s, [[{ type: 'timer', key: 'health' }, 3_000]]);
    expect(writes(checked).filter((w) => w.op === 'activity')).toEqual([expect.objectContaining({ activity: expect.objectContaining({ at: 3_000, text: 'second' }) })]);
    // Nothing new since: the next check writes nothing.
    expect(writes(run(s, [[{ type: 'timer', key: 'health' }, 4_000]])).filter((w) => w.op === 'activity')).toEqual([]);
    const later = run(s, [[{ type: 'agent', sessionId: 's1', events: [progress('third')], at: 8_000 }, 8_000]]);
    expect(writes(later).filter((w) => w.op === 'activity')).toHaveLength(1);
  });

  it('cuts a long activity text without splitting a character', () => {
    const s = running();
    const long = 'x'.repeat(499) + '😀' + 'y'.repeat(100);
    const said = run(s, [[{ type: 'agent', sessionId: 's1', events: [progress(long)], at: 5 }, 5]]);
    expect(writes(said)).toContainEqual(expect.objectContaining({ op: 'activity', activity: expect.objectContaining({ text: 'x'.repeat(499) }) }));
  });

  it('writes nothing for an agent whose output is not read', () => {
    const s = running({ agentFormat: null });
    s.sessions.get('s1')!.agent = null;
    expect(writes(run(s, [[{ type: 'timer', key: 'health' }, 5]])).filter((w) => w.op === 'activity')).toEqual([]);
  });
});

describe('draining workers', () => {
  it('records a busy worker that drains, so the store can tell it from a busy one', () => {
    const s = running();
    const drained = run(s, [[{ type: 'pool', op: { kind: 'drain', workerId: 'worker-1', reason: 'scale-down: idle' } }, 10]]);
    expect(emitted(drained)).toContain('pool:draining');
    expect(writes(drained)).toContainEqual({ op: 'worker', id: 'worker-1', state: 'draining', sessionsRun: 0, createdAt: 0, retiredAt: null, retireReason: 'scale-down: idle' });
  });
});
