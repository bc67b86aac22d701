import { describe, expect, it } from 'vitest';
import { applyAgentEvent, decideOutcome, emptySummary, summarise, type AgentEvent, type ResultEvent } from '../../../src/agents/formats/index.js';

const result = (overrides: Partial<ResultEvent> = {}): ResultEvent => ({
  type: 'result',
  ok: true,
  error: null,
  apiStatus: null,
  subtype: 'success',
  numTurns: 2,
  durationMs: 1000,
  costUsd: 0.5,
  usage: null,
  text: 'done',
  ...overrides,
});
const exit = (exitCode: number | null, signal: string | null = null) => ({ exitCode, signal });
const tokens = (inputTokens: number, outputTokens: number, cacheReadTokens = 0, cacheWriteTokens = 0) => ({ inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens });

describe('decideOutcome', () => {
  it.each<[string, AgentEvent[], { exitCode: number | null; signal: string | null; error?: string }, object]>([
    ['result success, exit 0', [result()], exit(0), { kind: 'success', decidedBy: 'result', reason: 'agent reported success (2 turns)' }],
    ['result success wins over exit 1', [result()], exit(1), { kind: 'success', decidedBy: 'result' }],
    ['result failure wins over exit 0', [result({ ok: false, error: 'invalid_request', apiStatus: 400, text: 'API Error: 400 bad' })], exit(0), {
      kind: 'failure',
      error: 'invalid_request',
      apiStatus: 400,
      reason: 'request refused by the API (400), though the agent exited 0: API Error: 400 bad',
    }],
    ['the last result wins', [result({ ok: false, error: 'api_error' }), result()], exit(0), { kind: 'success' }],
    ['a warning is not a failure', [{ type: 'warning', message: 'Model metadata not found' }], exit(0), { kind: 'success', decidedBy: 'exit' }],
    ['retries then exit 1 without a result', [{ type: 'retry', attempt: 1, maxRetries: 2, delayMs: null, status: 429, error: 'rate_limited', message: 'x' }], exit(1), {
      kind: 'failure',
      error: null,
      decidedBy: 'exit',
      reason: 'exited with code 1 without a result event',
    }],
    ['killed by a signal', [{ type: 'progress', kind: 'tool_use', activity: 'Bash: npm test' }], exit(null, 'SIGTERM'), {
      kind: 'failure',
      reason: 'killed by SIGTERM; last activity: Bash: npm test',
    }],
    ['never started', [], { exitCode: null, signal: null, error: 'spawn claude ENOENT' }, { kind: 'failure', reason: 'could not start the agent: spawn claude ENOENT' }],
    ['a usage limit without a result, exit 0', [{ type: 'usage-limit', limit: 'usage', resetAt: 1000, text: 'Claude AI usage limit reached|1' }], exit(0), {
      kind: 'failure',
      error: 'usage_limit',
      decidedBy: 'usage-limit',
      usageLimit: { limit: 'usage', resetAt: 1000 },
      reason: 'usage limit reached, resets 1970-01-01T00:00:01.000Z, though the agent exited 0: Claude AI usage limit reached|1',
    }],
  ])('%s', (_name, events, exitStatus, expected) => {
    expect(decideOutcome(events, exitStatus, 'claude-stream-json')).toMatchObject(expected);
  });

  it('a result that failed on a usage limit carries the limit the stream reported', () => {
    const events: AgentEvent[] = [
      { type: 'usage-limit', limit: 'spend_cap', resetAt: null, text: 'enforced_spend_limit_reached' },
      result({ ok: false, error: 'usage_limit', apiStatus: 429, text: 'API Error: 429' }),
    ];
    expect(decideOutcome(events, exit(1))).toMatchObject({ usageLimit: { limit: 'spend_cap', resetAt: null }, reason: 'spend cap reached (429): API Error: 429' });
  });

  it('reasons are one line of bounded length, whatever the agent wrote', () => {
    const outcome = decideOutcome([result({ ok: false, error: 'api_error', text: `boom\n\u001b[2J${'z'.repeat(5000)}` })], exit(1));
    expect(outcome.reason).not.toMatch(/[\n\u001b]/);
    expect(outcome.reason.length).toBeLessThanOrEqual(240);
  });
});

describe('summaries', () => {
  it('keeps the latest session id and model, and counts retries and progress apart', () => {
    const summary = summarise([
      { type: 'session', sessionId: 'a', model: 'm1' },
      { type: 'progress', kind: 'message', activity: 'one' },
      { type: 'retry', attempt: 1, maxRetries: 3, delayMs: 10, status: 429, error: 'rate_limited', message: 'x' },
      { type: 'session', sessionId: 'b', model: null },
      { type: 'progress', kind: 'tool_use', activity: 'two' },
    ]);
    expect(summary).toMatchObject({ sessionId: 'b', model: 'm1', progressEvents: 2, retries: 1, lastActivity: 'two' });
  });

  it('adds deltas, replaces process totals, and counts a thread total beyond its baseline', () => {
    const summary = summarise(
      [
        { type: 'usage', basis: 'delta', tokens: tokens(10, 5), costUsd: 0.1 },
        { type: 'usage', basis: 'delta', tokens: tokens(20, 5, 3, 1), costUsd: 0.2 },
        { type: 'usage', basis: 'process', tokens: tokens(100, 50), costUsd: 1 },
        { type: 'usage', basis: 'process', tokens: tokens(200, 60), costUsd: 2 },
        { type: 'usage', basis: 'thread', tokens: tokens(1000, 100, 50) },
      ].map((e) => ({ costUsd: null, ...e }) as AgentEvent),
      { threadBaseline: tokens(400, 40, 20) },
    );
    expect(summary.tokens).toEqual(tokens(30 + 200 + 600, 10 + 60 + 60, 3 + 30, 1));
    expect(summary.costUsd).toBeCloseTo(2.3, 10);
    expect(summary.threadTokens).toEqual(tokens(1000, 100, 50));
  });

  it('a thread total below its baseline is a new thread, counted whole', () => {
    const summary = summarise([{ type: 'usage', basis: 'thread', tokens: tokens(50, 5), costUsd: null }], { threadBaseline: tokens(400, 40) });
    expect(summary.tokens).toEqual(tokens(50, 5));
  });

  it('folding never changes the summary it was given', () => {
    const start = emptySummary();
    const frozen = JSON.stringify(start);
    applyAgentEvent(start, { type: 'usage', basis: 'delta', tokens: tokens(1, 1), costUsd: 1 });
    applyAgentEvent(start, { type: 'session', sessionId: 'x', model: 'y' });
    expect(JSON.stringify(start)).toBe(frozen);
  });
});
