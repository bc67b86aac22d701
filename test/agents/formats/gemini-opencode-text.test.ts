import { describe, expect, it } from 'vitest';
import { decideOutcome, summarise } from '../../../src/agents/formats/index.js';
import { NOW, ofType, parseChunks, parseFixture } from './helpers.js';

describe('gemini stream-json', () => {
  it('a success: session and model from init, deltas and tools as progress, the echoed prompt and a warning not, tokens from stats', () => {
    const events = parseFixture('gemini-success.jsonl', 'gemini-stream-json');
    const summary = summarise(events);
    expect(summary).toMatchObject({ sessionId: 'gem-session-1', model: 'gemini-2.5-pro' });
    expect(ofType(events, 'progress').map((p) => `${p.kind} ${p.activity}`)).toEqual([
      "message I'll look at",
      'message the widget.',
      'tool_use run_shell_command: npm test',
      'tool_result run_shell_command done',
      'tool_use replace: src/widget.ts',
      'tool_result replace failed',
    ]);
    expect(ofType(events, 'warning')).toHaveLength(1);
    // input_tokens 1500 = 500 fresh + 1000 cached.
    expect(summary.tokens).toEqual({ inputTokens: 500, outputTokens: 300, cacheReadTokens: 1000, cacheWriteTokens: 0 });
    expect(decideOutcome(summary, { exitCode: 0, signal: null }, 'gemini-stream-json').kind).toBe('success');
  });

  it('the turn limit, from the result and from exit code 53 alone', () => {
    const events = parseFixture('gemini-turn-limit.jsonl', 'gemini-stream-json');
    expect(decideOutcome(events, { exitCode: 53, signal: null }, 'gemini-stream-json')).toMatchObject({ error: 'max_turns', decidedBy: 'result' });
    expect(decideOutcome([], { exitCode: 53, signal: null }, 'gemini-stream-json')).toMatchObject({ kind: 'failure', error: 'max_turns', decidedBy: 'exit' });
    expect(decideOutcome([], { exitCode: 41, signal: null }, 'gemini-stream-json')).toMatchObject({ error: 'auth' });
    expect(decideOutcome([], { exitCode: 42, signal: null }, 'gemini-stream-json')).toMatchObject({ error: 'invalid_request' });
    // The same codes mean nothing for another agent.
    expect(decideOutcome([], { exitCode: 53, signal: null }, 'claude-stream-json')).toMatchObject({ kind: 'failure', error: null });
  });

  it('an exhausted quota is a usage limit that resets after the time it names', () => {
    const events = parseFixture('gemini-quota.jsonl', 'gemini-stream-json');
    expect(ofType(events, 'usage-limit')).toEqual([expect.objectContaining({ limit: 'usage', resetAt: NOW + 200 * 60_000 })]);
    expect(decideOutcome(events, { exitCode: 1, signal: null }, 'gemini-stream-json')).toMatchObject({ error: 'usage_limit' });
  });
});

describe('opencode run --format json', () => {
  it('steps, tools and text as progress; tokens and cost summed over steps; the run ends at a step that is not tool-calls', () => {
    const events = parseFixture('opencode-success.jsonl', 'opencode-json');
    const summary = summarise(events);
    expect(summary.sessionId).toBe('ses_oc1');
    expect(ofType(events, 'session')).toHaveLength(1);
    expect(ofType(events, 'progress').map((p) => `${p.kind} ${p.activity}`)).toEqual([
      'step step started',
      'tool_use bash: npm test',
      'tool_result edit failed',
      'step step finished (tool-calls)',
      'step step started',
      'reasoning The edit failed; retry with the right text.',
      'message Fixed the widget.',
      'step step finished (stop)',
    ]);
    expect(ofType(events, 'result')).toHaveLength(1);
    // Reasoning tokens count as output.
    expect(summary.tokens).toEqual({ inputTokens: 1600, outputTokens: 410, cacheReadTokens: 2700, cacheWriteTokens: 100 });
    expect(summary.costUsd).toBeCloseTo(0.003, 10);
    expect(decideOutcome(summary, { exitCode: 0, signal: null }, 'opencode-json').kind).toBe('success');
  });

  it('a provider auth error and an API error with its status', () => {
    expect(decideOutcome(parseFixture('opencode-auth-error.jsonl', 'opencode-json'), { exitCode: 1, signal: null }, 'opencode-json')).toMatchObject({
      error: 'auth',
      reason: 'authentication failed: Invalid API key',
    });
    expect(decideOutcome(parseFixture('opencode-api-error.jsonl', 'opencode-json'), { exitCode: 1, signal: null }, 'opencode-json')).toMatchObject({
      error: 'overloaded',
      apiStatus: 529,
    });
  });
});

describe('text', () => {
  it('every non-empty line is progress, a usage-limit line is also a limit, and the exit code does not hide it', () => {
    const events = parseFixture('text-usage-limit.txt', 'text');
    expect(ofType(events, 'progress').map((p) => p.activity)).toEqual(['Starting work on the widget.', 'Claude AI usage limit reached|1796587200']);
    expect(decideOutcome(events, { exitCode: 0, signal: null }, 'text')).toMatchObject({
      kind: 'failure',
      error: 'usage_limit',
      decidedBy: 'usage-limit',
      usageLimit: { resetAt: 1796587200_000 },
    });
  });

  it('JSON lines are just text there', () => {
    const events = parseChunks('text', ['{"type":"result","is_error":true}\n\n  \n']);
    expect(events).toEqual([{ type: 'progress', kind: 'text', activity: '{"type":"result","is_error":true}' }]);
    expect(decideOutcome(events, { exitCode: 0, signal: null }, 'text')).toMatchObject({ kind: 'success', reason: 'exited with code 0' });
  });
});
