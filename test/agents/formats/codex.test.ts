import { describe, expect, it } from 'vitest';
import { decideOutcome, summarise } from '../../../src/agents/formats/index.js';
import { NOW, ofType, parseFixture } from './helpers.js';

const codex = (name: string, timeZone?: string) => parseFixture(`${name}.jsonl`, 'codex-json', { timeZone });

describe('codex exec --json: fixtures recorded from codex 0.171.0', () => {
  it('a success: the thread id, the answer, tokens with cached input apart, and the model warning is not a failure', () => {
    const events = codex('codex-success');
    const summary = summarise(events);
    expect(summary.sessionId).toBe('01a23eff-c0f8-71f1-97c6-38a928998f5f');
    expect(ofType(events, 'warning')[0]!.message).toMatch(/^Model metadata for `stand-in-model` not found/);
    expect(ofType(events, 'progress').map((p) => p.kind)).toEqual(['step', 'message']);
    // input_tokens 200 includes cached_input_tokens 50.
    expect(summary.tokens).toEqual({ inputTokens: 150, outputTokens: 40, cacheReadTokens: 50, cacheWriteTokens: 0 });
    expect(summary.costUsd).toBeNull();
    expect(decideOutcome(events, { exitCode: 0, signal: null }, 'codex-json')).toMatchObject({ kind: 'success', decidedBy: 'result' });
  });

  it('a command that commits: the command as tool use, its result with the exit code', () => {
    const progress = ofType(codex('codex-command'), 'progress');
    expect(progress.map((p) => p.kind)).toEqual(['step', 'tool_use', 'tool_result', 'message']);
    expect(progress[1]!.activity).toMatch(/^\$ \/bin\/bash -lc 'echo hi > made\.txt && git add made\.txt/);
  });

  it('turn.failed on a 401 is an auth failure, also when codex exits 0', () => {
    const events = codex('codex-turn-failed-401');
    for (const exitCode of [0, 1]) {
      expect(decideOutcome(events, { exitCode, signal: null }, 'codex-json')).toMatchObject({ kind: 'failure', error: 'auth', apiStatus: 401, decidedBy: 'result' });
    }
    expect(decideOutcome(events, { exitCode: 0, signal: null }, 'codex-json').reason).toContain('though the agent exited 0');
  });

  it('"Reconnecting... n/m" lines are retries, not progress', () => {
    const events = codex('codex-reconnecting');
    expect(ofType(events, 'retry')).toEqual([
      expect.objectContaining({ attempt: 1, maxRetries: 2, error: 'overloaded' }),
      expect.objectContaining({ attempt: 2, maxRetries: 2, error: 'overloaded' }),
    ]);
    expect(ofType(events, 'progress').map((p) => p.kind)).toEqual(['step']);
    expect(decideOutcome(events, { exitCode: 1, signal: null }, 'codex-json')).toMatchObject({ error: 'overloaded' });
  });

  it('a usage limit at a local time: read in the agent\'s time zone (recorded with TZ=America/Chicago)', () => {
    const events = codex('codex-usage-limit', 'America/Chicago');
    // 2:23 PM in Chicago on Dec 6th is 20:23 UTC; said once although Codex prints it twice.
    expect(ofType(events, 'usage-limit')).toEqual([expect.objectContaining({ limit: 'usage', resetAt: Date.UTC(2026, 11, 6, 20, 23) })]);
    expect(decideOutcome(events, { exitCode: 1, signal: null }, 'codex-json')).toMatchObject({ error: 'usage_limit', usageLimit: { resetAt: Date.UTC(2026, 11, 6, 20, 23) } });
  });

  it('a usage limit "in 2 days 17 hours 14 minutes", then exit 0: a usage_limit failure', () => {
    const events = codex('codex-usage-limit-relative');
    const resetAt = NOW + ((2 * 24 + 17) * 60 + 14) * 60_000;
    expect(ofType(events, 'usage-limit')).toEqual([expect.objectContaining({ resetAt })]);
    expect(decideOutcome(events, { exitCode: 0, signal: null }, 'codex-json')).toMatchObject({ kind: 'failure', error: 'usage_limit' });
  });

  it('every item type: reasoning, todo lists, commands, file changes, MCP calls, searches; an error item is a warning only', () => {
    const events = codex('codex-items');
    expect(ofType(events, 'progress').map((p) => `${p.kind} ${p.activity}`)).toEqual([
      'step turn started',
      'reasoning **Planning the fix**',
      'reasoning **Planning the fix**',
      'item todo list (2 items)',
      'item todo list (2 items)',
      "tool_use $ bash -lc 'npm test'",
      "item $ bash -lc 'npm test'",
      "tool_result $ bash -lc 'npm test' (exit 1)",
      'tool_result edit src/widget.ts, test/widget.test.ts',
      'tool_use docs.search',
      'tool_result docs.search',
      'tool_result search: vitest fake timers',
      'message Fixed the widget.',
    ]);
    expect(ofType(events, 'warning')).toEqual([{ type: 'warning', message: 'command output was truncated' }]);
    expect(decideOutcome(events, { exitCode: 0, signal: null }, 'codex-json').kind).toBe('success');
  });

  it('a resumed thread keeps its id and reports the thread\'s running total: the session counts only its own share', () => {
    const first = summarise(codex('codex-resume-first'));
    const second = summarise(codex('codex-resume-second'), { threadBaseline: first.threadTokens });
    expect(second.sessionId).toBe(first.sessionId);
    expect(second.threadTokens).toEqual({ inputTokens: 300, outputTokens: 80, cacheReadTokens: 100, cacheWriteTokens: 0 });
    expect(second.tokens).toEqual(first.tokens);
    // Without the baseline the whole thread is counted.
    expect(summarise(codex('codex-resume-second')).tokens.outputTokens).toBe(80);
  });
});
