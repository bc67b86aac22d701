import { describe, expect, it } from 'vitest';
import { ACTIVITY_MAX, decideOutcome, summarise } from '../../../src/agents/formats/index.js';
import { NOW, ofType, parseChunks, parseFixture } from './helpers.js';

const claude = (name: string) => parseFixture(`${name}.jsonl`, 'claude-stream-json');

describe('claude stream-json: fixtures recorded from claude 2.1.197', () => {
  it('a plain success: session id, model, one message, cost and tokens', () => {
    const events = claude('claude-success');
    const summary = summarise(events);
    expect(summary.sessionId).toBe('4bf5baf0-760e-4e96-a24d-2adcaac90201');
    expect(summary.model).toBe('claude-opus-4-8[1m]');
    expect(ofType(events, 'progress')).toEqual([{ type: 'progress', kind: 'message', activity: 'Hello from the stand-in' }]);
    expect(summary.costUsd).toBe(0.00135);
    expect(summary.tokens).toEqual({ inputTokens: 120, outputTokens: 30, cacheReadTokens: 0, cacheWriteTokens: 0 });
    expect(summary.result).toMatchObject({ ok: true, numTurns: 1, text: 'Hello from the stand-in' });
    expect(decideOutcome(summary, { exitCode: 0, signal: null }, 'claude-stream-json')).toMatchObject({ kind: 'success', decidedBy: 'result' });
  });

  it('a Bash tool call: tool use, its result named after the tool, then the answer', () => {
    const progress = ofType(claude('claude-tool-use'), 'progress');
    expect(progress).toEqual([
      { type: 'progress', kind: 'tool_use', activity: 'Bash: echo hi > made.txt && ls' },
      { type: 'progress', kind: 'tool_result', activity: 'Bash done' },
      { type: 'progress', kind: 'message', activity: 'Created made.txt.' },
    ]);
  });

  it('an API 400: is_error with the status, the synthetic error message is no progress, exit 0 does not make it a success', () => {
    const events = claude('claude-api-400');
    expect(ofType(events, 'progress')).toEqual([]);
    expect(ofType(events, 'result')[0]).toMatchObject({ ok: false, error: 'invalid_request', apiStatus: 400, text: 'API Error: 400 messages: text content blocks must be non-empty' });
    for (const exitCode of [0, 1]) {
      const outcome = decideOutcome(events, { exitCode, signal: null }, 'claude-stream-json');
      expect(outcome).toMatchObject({ kind: 'failure', error: 'invalid_request', apiStatus: 400, decidedBy: 'result' });
      expect(outcome.reason).toContain('400');
    }
  });

  it('a 401 retried: retries are not progress, and the result is an auth failure', () => {
    const events = claude('claude-401');
    expect(ofType(events, 'progress')).toEqual([]);
    expect(ofType(events, 'retry')).toEqual([
      expect.objectContaining({ attempt: 1, maxRetries: 2, status: 401, error: 'auth' }),
      expect.objectContaining({ attempt: 2, maxRetries: 2, status: 401, error: 'auth' }),
    ]);
    expect(decideOutcome(events, { exitCode: 1, signal: null })).toMatchObject({ kind: 'failure', error: 'auth', apiStatus: 401 });
  });

  it('a 429 then success: one retry with its delay, then the work', () => {
    const events = claude('claude-429-then-success');
    expect(ofType(events, 'retry')).toEqual([expect.objectContaining({ status: 429, error: 'rate_limited', delayMs: 1000 })]);
    expect(ofType(events, 'progress')).toHaveLength(1);
    expect(decideOutcome(events, { exitCode: 0, signal: null }).kind).toBe('success');
  });

  it('a 529 then success: an overloaded retry', () => {
    expect(ofType(claude('claude-529-then-success'), 'retry')).toEqual([expect.objectContaining({ status: 529, error: 'overloaded' })]);
  });

  it('turn and budget limits', () => {
    expect(ofType(claude('claude-max-turns'), 'result')[0]).toMatchObject({ ok: false, error: 'max_turns', subtype: 'error_max_turns', numTurns: 2 });
    const budget = claude('claude-max-budget');
    expect(ofType(budget, 'result')[0]).toMatchObject({ ok: false, error: 'max_budget', costUsd: 0.525 });
    expect(decideOutcome(budget, { exitCode: 1, signal: null }).reason).toMatch(/^budget limit reached: Reached maximum budget/);
  });

  it('an error during execution without a status is an api_error with the CLI\'s error text', () => {
    expect(ofType(claude('claude-error-during-execution'), 'result')[0]).toMatchObject({ ok: false, error: 'api_error', apiStatus: null, text: 'Tool execution aborted' });
  });
});

describe('claude stream-json: usage limits, spend caps and rate-limit events', () => {
  const cases: [string, number | null][] = [
    ['claude-usage-limit-epoch', Date.UTC(2026, 11, 6, 20, 0)],
    // 9am in Chicago (UTC−6 in December), later on the same day as NOW.
    ['claude-usage-limit-chicago', Date.UTC(2026, 11, 4, 15, 0)],
    // 11pm in Warsaw (UTC+1).
    ['claude-usage-limit-warsaw', Date.UTC(2026, 11, 4, 22, 0)],
    // 5pm in Los Angeles (UTC−8) is 01:00 UTC the next day.
    ['claude-extra-usage', Date.UTC(2026, 11, 5, 1, 0)],
  ];
  it.each(cases)('%s: a usage_limit outcome with its reset time', (name, resetAt) => {
    const events = claude(name);
    expect(ofType(events, 'usage-limit')).toEqual([expect.objectContaining({ limit: 'usage', resetAt })]);
    const outcome = decideOutcome(events, { exitCode: 0, signal: null });
    expect(outcome).toMatchObject({ kind: 'failure', error: 'usage_limit', usageLimit: { limit: 'usage', resetAt } });
    expect(outcome.reason).toContain(new Date(resetAt!).toISOString());
  });

  it('the API\'s spend-limit 429 is a spend cap, with the date access returns (recorded)', () => {
    const events = claude('claude-spend-cap');
    expect(ofType(events, 'usage-limit')).toEqual([expect.objectContaining({ limit: 'spend_cap', resetAt: Date.UTC(2027, 0, 1) })]);
    expect(decideOutcome(events, { exitCode: 1, signal: null })).toMatchObject({ error: 'usage_limit', usageLimit: { limit: 'spend_cap' } });
    expect(decideOutcome(events, { exitCode: 1, signal: null }).reason).toMatch(/^spend cap reached \(429\)/);
  });

  it('enforced_spend_limit_reached is a spend cap without a reset time', () => {
    expect(ofType(claude('claude-spend-cap-code'), 'usage-limit')).toEqual([expect.objectContaining({ limit: 'spend_cap', resetAt: null })]);
  });

  it('rate_limit_event: status, type, utilization, resetsAt in ms whether given in s or ms; rejected is a usage limit', () => {
    const events = claude('claude-rate-limit-event');
    expect(ofType(events, 'rate-limit')).toEqual([
      { type: 'rate-limit', status: 'allowed_warning', resetsAt: 1796587200_000, limitType: 'five_hour', utilization: 0.91 },
      { type: 'rate-limit', status: 'rejected', resetsAt: 1796590800_000, limitType: 'seven_day', utilization: null },
    ]);
    expect(ofType(events, 'usage-limit')[0]).toMatchObject({ limit: 'usage', resetAt: 1796590800_000 });
    expect(ofType(events, 'progress')).toHaveLength(1);
  });

  it('the same usage-limit text in a successful answer is not a limit', () => {
    const line = JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: 'I documented what "Claude usage limit reached" means.' });
    const events = parseChunks('claude-stream-json', [`${line}\n`]);
    expect(ofType(events, 'usage-limit')).toEqual([]);
    expect(decideOutcome(events, { exitCode: 0, signal: null }).kind).toBe('success');
  });
});

describe('claude stream-json: kinds of work and what the dashboard shows', () => {
  it('thinking, edits, failing tool results, compaction, streaming and unknown events are progress; a replayed prompt is not', () => {
    const progress = ofType(parseFixture('claude-work-kinds.jsonl', 'claude-stream-json'), 'progress');
    expect(progress.map((p) => [p.kind, p.activity.slice(0, 40)])).toEqual([
      ['reasoning', 'thinking'],
      ['tool_use', 'Edit: src/widget.ts'],
      ['tool_result', 'Edit done'],
      ['tool_use', 'Bash: npm test'],
      ['tool_result', 'Bash failed'],
      ['step', 'compact_boundary'],
      ['message', 'streaming'],
      ['other', 'tool_progress_summary'],
      ['message', 'The widget now renders red again, and ev'],
    ]);
    const last = progress.at(-1)!.activity;
    expect(last).not.toMatch(/[\u0000-\u001f]/);
    expect(last.length).toBe(ACTIVITY_MAX);
    expect(last.endsWith('…')).toBe(true);
  });

  it('a resumed session records the id it runs under now, and tokens with cache reads and writes', () => {
    const summary = summarise(parseFixture('claude-resume-new-id.jsonl', 'claude-stream-json'));
    expect(summary.sessionId).toBe('s-new');
    expect(summary.tokens).toEqual({ inputTokens: 300, outputTokens: 40, cacheReadTokens: 1200, cacheWriteTokens: 80 });
    expect(summary.costUsd).toBe(0.0042);
  });

  it('malformed lines are plain progress and never stop the parser', () => {
    const events = parseFixture('claude-malformed.jsonl', 'claude-stream-json');
    const texts = ofType(events, 'progress').filter((p) => p.kind === 'text').map((p) => p.activity);
    expect(texts).toEqual([
      'this is not JSON at all',
      '{"type":"assistant","message":{"content":[{"type":"text","text":"truncated',
      '[1, 2, 3]',
      '42',
      'null',
      'binary garbage ÿ',
    ]);
    // Fields of the wrong type read as absent: no NaN, no negative counts, no crash on prototype names.
    const result = ofType(events, 'result')[0]!;
    expect(result).toMatchObject({ numTurns: 3, costUsd: 0.5, usage: { inputTokens: 0, outputTokens: 12 } });
    expect(ofType(events, 'retry')[0]).toMatchObject({ attempt: null, error: null });
    expect(JSON.stringify(events)).not.toContain('NaN');
  });

  it('a stream cut off mid-line still yields its last line at end()', () => {
    const events = parseChunks('claude-stream-json', ['{"type":"assistant","message":{"content":[{"type":"text","text":"almost"}]}}']);
    expect(ofType(events, 'progress')).toEqual([{ type: 'progress', kind: 'message', activity: 'almost' }]);
  });

  it('reset times written without a date resolve against the now given to the parser', () => {
    const line = `${JSON.stringify({ type: 'result', is_error: true, result: 'Claude usage limit reached. Your limit will reset at 9am (America/Chicago)' })}\n`;
    const afterNine = Date.UTC(2026, 11, 4, 16, 0);
    expect(ofType(parseChunks('claude-stream-json', [line], {}, afterNine), 'usage-limit')[0]!.resetAt).toBe(Date.UTC(2026, 11, 5, 15, 0));
    expect(ofType(parseChunks('claude-stream-json', [line], {}, NOW), 'usage-limit')[0]!.resetAt).toBe(Date.UTC(2026, 11, 4, 15, 0));
  });
});
