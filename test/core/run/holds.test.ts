import { describe, expect, it } from 'vitest';
import type { AgentEvent, ResultEvent } from '../../../src/agents/formats/events.js';
import { emptySummary } from '../../../src/agents/formats/summary.js';
import { actions, emitted, issue, rules, run, session, state, view, worker, writes } from './builders.js';

const claude = (extra: Parameters<typeof rules>[0] = {}) => rules({ agentFormat: 'claude-stream-json', resume: true, ...extra });
const result = (over: Partial<ResultEvent>): AgentEvent => ({
  type: 'result', ok: false, error: null, apiStatus: null, subtype: null, numTurns: 1, durationMs: 10, costUsd: null, usage: null, text: null, ...over,
});
const usage = (costUsd: number, inputTokens = 0, outputTokens = 0): AgentEvent => ({
  type: 'usage', basis: 'process', tokens: { inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0 }, costUsd,
});

/** A running session of issue `id` whose agent is read, on worker-1, with a free worker-2 and more work queued. */
function agentRun(extraRules: Parameters<typeof rules>[0] = {}, id = 'A') {
  const s = state({
    rules: claude(extraRules),
    workers: [worker('worker-1'), worker('worker-2')],
    sessions: [session('s1', 'worker-1', { issue: issue(id), agent: emptySummary() })],
    view: view({ queued: 5, running: 1 }),
  });
  return s;
}

describe('an agent read through its event stream', () => {
  it('fails a session whose final result is an error though it exited 0', () => {
    const s = agentRun();
    run(s, [[{ type: 'agent', sessionId: 's1', events: [result({ error: 'invalid_request', apiStatus: 400, text: 'API Error: 400 bad' })], at: 5 }, 5]]);
    const finish = writes(run(s, [[{ type: 'exited', sessionId: 's1', exit: { exitCode: 0, signal: null } }, 6]])).find((w) => w.op === 'finish');
    expect(finish).toMatchObject({ end: { outcome: 'failure', reason: expect.stringMatching(/400/), usage: { agentError: 'invalid_request' } }, transition: { status: 'queued' } });
  });

  it('records the agent session id as soon as it is known, and the spend with the end', () => {
    const s = agentRun();
    const said = run(s, [[{ type: 'agent', sessionId: 's1', events: [{ type: 'session', sessionId: 'conv-1', model: 'm' }, usage(0.25, 100, 20)], at: 5 }, 5]]);
    expect(writes(said)).toContainEqual({ op: 'agent-session', sessionId: 's1', agentSessionId: 'conv-1', model: 'm' });
    run(s, [[{ type: 'agent', sessionId: 's1', events: [result({ ok: true, costUsd: 0.25 })], at: 6 }, 6]]);
    const finish = writes(run(s, [[{ type: 'exited', sessionId: 's1', exit: { exitCode: 0, signal: null } }, 7]])).find((w) => w.op === 'finish');
    expect(finish).toMatchObject({ end: { outcome: 'success', usage: { agentSessionId: 'conv-1', costUsd: 0.25, inputTokens: 100, outputTokens: 20 } }, transition: { status: 'done', resumeFrom: null } });
  });
});

describe('holds', () => {
  it('holds the fleet on an authentication failure: the attempt is given back, nothing starts, and the run ends held', () => {
    const s = agentRun();
    run(s, [[{ type: 'agent', sessionId: 's1', events: [result({ error: 'auth', apiStatus: 401, text: 'Invalid API key' })], at: 5 }, 5]]);
    const ended = run(s, [[{ type: 'exited', sessionId: 's1', exit: { exitCode: 1, signal: null } }, 6]]);
    expect(writes(ended).find((w) => w.op === 'finish')).toMatchObject({ end: { outcome: 'held' }, transition: { status: 'queued', refundAttempt: true } });
    expect(emitted(ended)).toContain('hold:on');
    expect(writes(ended)).toContainEqual(expect.objectContaining({ op: 'hold', kind: 'auth' }));
    // The queue still has work and a worker is free: no claim, and the run ends (exit 3).
    const after = run(s, [[{ type: 'queue', view: view({ queued: 6 }) }, 7]]);
    expect(after.some((c) => c.type === 'claim')).toBe(false);
    expect(after.some((c) => c.type === 'finish')).toBe(true);
  });

  it('waits out a usage limit until its reset, then lets one probe session start, whose success lifts the hold', () => {
    const s = agentRun();
    run(s, [[{ type: 'agent', sessionId: 's1', events: [{ type: 'usage-limit', limit: 'usage', resetAt: 60_000, text: 'limit' }, result({ error: 'usage_limit', text: 'limit reached' })], at: 5 }, 5]]);
    const ended = run(s, [[{ type: 'exited', sessionId: 's1', exit: { exitCode: 1, signal: null } }, 6]]);
    expect(actions(ended)).toContainEqual({ type: 'set-timer', key: 'hold', at: 60_000 });
    expect(run(s, [[{ type: 'queue', view: view({ queued: 6 }) }, 7]]).some((c) => c.type === 'claim' || c.type === 'finish')).toBe(false);
    const woke = run(s, [[{ type: 'timer', key: 'hold' }, 60_000]]);
    expect(woke.filter((c) => c.type === 'claim')).toHaveLength(1);
    run(s, [[{ type: 'claimed', workerId: 'worker-1', sessionId: 'p', at: 60_000, issue: issue('B'), view: view({ queued: 5, running: 1 }) }, 60_000]]);
    expect(s.sessions.get('p')?.probe).toBe(true);
    run(s, [[{ type: 'agent', sessionId: 'p', events: [result({ ok: true })], at: 60_500 }, 60_500]]);
    const lifted = run(s, [[{ type: 'exited', sessionId: 'p', exit: { exitCode: 0, signal: null } }, 61_000]]);
    expect(emitted(lifted)).toContain('hold:off');
    expect(s.holds.size).toBe(0);
  });

  it('ends the run on a usage limit too with onHold stop', () => {
    const s = agentRun({ holds: { onHold: 'stop', maxWaitMs: 1000, probeEveryMs: 1000, circuitBreakerAfter: 3 } });
    run(s, [[{ type: 'agent', sessionId: 's1', events: [result({ error: 'usage_limit' })], at: 5 }, 5]]);
    run(s, [[{ type: 'exited', sessionId: 's1', exit: { exitCode: 1, signal: null } }, 6]]);
    expect(run(s, [[{ type: 'queue', view: view({ queued: 6 }) }, 7]]).some((c) => c.type === 'finish')).toBe(true);
  });

  it('trips the circuit breaker after the same agent error on three different issues in a row', () => {
    const s = state({ rules: claude(), workers: [worker('worker-1'), worker('worker-2'), worker('worker-3')], view: view({ queued: 9 }) });
    for (const [n, id] of ['A', 'B', 'C'].entries()) {
      run(s, [[{ type: 'claimed', workerId: `worker-${n + 1}`, sessionId: `s${n}`, at: 1, issue: issue(id), view: view({ queued: 9 }) }, 1]]);
    }
    const fail = (n: number) => {
      run(s, [[{ type: 'agent', sessionId: `s${n}`, events: [result({ error: 'api_error', apiStatus: 500, text: 'Internal error' })], at: 2 }, 2]]);
      return run(s, [[{ type: 'exited', sessionId: `s${n}`, exit: { exitCode: 1, signal: null } }, 2]]);
    };
    expect(emitted(fail(0))).not.toContain('hold:on');
    expect(emitted(fail(1))).not.toContain('hold:on');
    expect(emitted(fail(2))).toContain('hold:on');
    expect(s.holds.get('circuit')?.reason).toMatch(/3 times in a row, on A, B, C/);
  });

  it('does not trip on plain exit codes, which may be the work failing', () => {
    const s = state({ workers: [worker('worker-1'), worker('worker-2'), worker('worker-3')], view: view({ queued: 9 }) });
    for (const [n, id] of ['A', 'B', 'C', 'D'].entries()) {
      run(s, [[{ type: 'claimed', workerId: `worker-${(n % 3) + 1}`, sessionId: `s${n}`, at: 1, issue: issue(id), view: view({ queued: 9 }) }, 1]]);
      run(s, [[{ type: 'exited', sessionId: `s${n}`, exit: { exitCode: 1, signal: null } }, 1]]);
    }
    expect(s.holds.size).toBe(0);
  });

  it('lifts an operator pause, and starts sessions again', () => {
    const s = state({ workers: [worker('worker-1')], view: view({ queued: 2 }) });
    run(s, [[{ type: 'pause', reason: 'paused from the dashboard' }, 1]]);
    expect(run(s, [[{ type: 'queue', view: view({ queued: 2 }) }, 2]]).some((c) => c.type === 'claim' || c.type === 'finish')).toBe(false);
    const resumed = run(s, [[{ type: 'lift-hold', kind: 'paused', by: 'resumed from the dashboard' }, 3]]);
    expect(emitted(resumed)).toContain('hold:off');
    expect(resumed.some((c) => c.type === 'claim')).toBe(true);
  });
});

describe('budgets', () => {
  it('holds the fleet at the run cap, counting what running sessions have reported', () => {
    const s = agentRun({ budgets: { maxCostUsd: 1, maxTokens: null, issueMaxCostUsd: null, issueMaxTokens: null } });
    s.queue.spent = { costUsd: 0.6, inputTokens: 0, outputTokens: 0 };
    expect(emitted(run(s, [[{ type: 'agent', sessionId: 's1', events: [usage(0.3)], at: 5 }, 5]]))).not.toContain('hold:on');
    const over = run(s, [[{ type: 'agent', sessionId: 's1', events: [usage(0.45)], at: 6 }, 6]]);
    expect(emitted(over)).toContain('hold:on');
    expect(s.holds.get('budget')?.reason).toMatch(/\$1\.05 spent of --max-cost-usd \$1\.00/);
    // The running session is not stopped.
    expect(actions(over).some((c) => c.type === 'kill')).toBe(false);
  });

  it('holds before the first session when the state has already spent its cap (a run after one that ended held)', () => {
    const s = state({ rules: claude({ budgets: { maxCostUsd: 1, maxTokens: null, issueMaxCostUsd: null, issueMaxTokens: null } }), workers: [worker('worker-1')] });
    s.phase = 'new';
    const spent = { ...view({ queued: 2 }), spent: { costUsd: 1.2, inputTokens: 0, outputTokens: 0 } };
    const started = run(s, [[{ type: 'initialized', view: spent }, 1], [{ type: 'run' }, 2], [{ type: 'queue', view: spent }, 3]]);
    expect(emitted(started)).toContain('hold:on');
    expect(actions(started).some((c) => c.type === 'claim')).toBe(false);
    expect(actions(started)).toContainEqual({ type: 'finish' });
  });

  it("stops a session at its issue's cap and fails the issue with reason budget, whatever attempts remain", () => {
    const s = agentRun({ budgets: { maxCostUsd: null, maxTokens: null, issueMaxCostUsd: 2, issueMaxTokens: null } });
    s.sessions.get('s1')!.issue!.spentUsd = 1.5;
    const over = run(s, [[{ type: 'agent', sessionId: 's1', events: [usage(0.6)], at: 5 }, 5]]);
    expect(actions(over)).toContainEqual({ type: 'kill', sessionId: 's1' });
    const finish = writes(run(s, [[{ type: 'exited', sessionId: 's1', exit: { exitCode: null, signal: 'SIGTERM' } }, 6]])).find((w) => w.op === 'finish');
    expect(finish).toMatchObject({ end: { outcome: 'failure', reason: expect.stringMatching(/^budget: \$2\.10 spent of --issue-max-cost-usd \$2\.00/) }, transition: { status: 'failed' } });
  });

  it('gives an agent that can stop itself the budget its issue has left', () => {
    const s = state({ rules: claude({ budgets: { maxCostUsd: null, maxTokens: null, issueMaxCostUsd: 5, issueMaxTokens: null } }), workers: [worker('worker-1')], view: view({ queued: 1 }) });
    const started = run(s, [[{ type: 'claimed', workerId: 'worker-1', sessionId: 's1', at: 1, issue: issue('A', { spentUsd: 1.25 }), view: view({ running: 1 }) }, 1]]);
    expect(started.find((c) => c.type === 'spawn')).toMatchObject({ budgetUsd: 3.75 });
  });
});

describe('adaptive concurrency', () => {
  it('halves the concurrency on a rate-limit signal, at most once per check interval and only for a session started since, and grows it back by one per quiet check', () => {
    const s = agentRun({ scale: { maxWorkers: 8, minWorkers: 2 } });
    s.sessions.set('s2', { ...s.sessions.get('s1')!, id: 's2', workerId: 'worker-2', startedAt: 600 });
    const retry: AgentEvent = { type: 'retry', attempt: 1, maxRetries: 10, delayMs: 1000, status: 429, error: 'rate_limited', message: '429' };
    expect(emitted(run(s, [[{ type: 'agent', sessionId: 's1', events: [retry], at: 10 }, 10]]))).toContain('concurrency:changed');
    expect(s.concurrency.limit).toBe(4);
    run(s, [[{ type: 'agent', sessionId: 's2', events: [retry], at: 500 }, 500]]);
    expect(s.concurrency.limit).toBe(4);
    // s1 was started under the old limit: its 429s do not lower the new one.
    run(s, [[{ type: 'agent', sessionId: 's1', events: [retry], at: 1010 }, 1010]]);
    expect(s.concurrency.limit).toBe(4);
    run(s, [[{ type: 'agent', sessionId: 's2', events: [retry], at: 1020 }, 1020]]);
    expect(s.concurrency.limit).toBe(2);
    s.checking = true;
    run(s, [[{ type: 'check' }, 1500]]);
    expect(s.concurrency.limit).toBe(2);
    run(s, [[{ type: 'check' }, 2100]]);
    expect(s.concurrency.limit).toBe(3);
  });

  it('starts no more sessions than the concurrency allows', () => {
    const s = state({ workers: [worker('worker-1'), worker('worker-2'), worker('worker-3')], sessions: [session('s1', 'worker-1')], view: view({ queued: 5, running: 1 }) });
    s.concurrency.limit = 2;
    expect(run(s, [[{ type: 'queue', view: view({ queued: 5, running: 1 }) }, 1]]).filter((c) => c.type === 'claim')).toHaveLength(1);
  });
});

describe('resume', () => {
  it('keeps the conversation after a stall or a hold, and forgets it after a failure', () => {
    const stalled = agentRun();
    stalled.sessions.get('s1')!.killReason = 'stalled';
    const keep = writes(run(stalled, [[{ type: 'exited', sessionId: 's1', exit: { exitCode: null, signal: 'SIGTERM' } }, 5]])).find((w) => w.op === 'finish');
    expect(keep?.op === 'finish' && 'resumeFrom' in keep.transition).toBe(false);
    const failed = agentRun();
    const clear = writes(run(failed, [[{ type: 'exited', sessionId: 's1', exit: { exitCode: 1, signal: null } }, 5]])).find((w) => w.op === 'finish');
    expect(clear).toMatchObject({ transition: { resumeFrom: null } });
  });

  it('starts a retried session on the conversation its issue left', () => {
    const s = state({ rules: claude(), workers: [worker('worker-1')], view: view({ queued: 1 }) });
    const started = run(s, [[{ type: 'claimed', workerId: 'worker-1', sessionId: 's2', at: 1, issue: issue('A', { resumeFrom: 'conv-1', attempts: 2 }), view: view({ running: 1 }) }, 1]]);
    expect(started.find((c) => c.type === 'spawn')).toMatchObject({ resumeFrom: 'conv-1' });
  });
});
