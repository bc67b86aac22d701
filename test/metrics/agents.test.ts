import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { buildIssueReport, renderIssueReport } from '../../src/metrics/issue-report.js';
import { collectPrometheus } from '../../src/metrics/prometheus.js';
import { renderReport } from '../../src/metrics/render-report.js';
import type { AgentUsage } from '../../src/store/types.js';
import { finishedRun, makeStore, recordSessions, report, type TestStore } from './helpers.js';

const T0 = Date.UTC(2025, 0, 1);
let stores: TestStore[] = [];
afterEach(() => {
  stores.forEach((s) => s.cleanup());
  stores = [];
});

const usage = (costUsd: number, inputTokens: number, outputTokens: number, agentSessionId = 'conv-1'): AgentUsage => ({
  agentSessionId, model: 'claude-sonnet-4-5', turns: 3, costUsd, inputTokens, outputTokens, cacheReadTokens: 7, cacheWriteTokens: 1, agentError: null,
});

/** Two issues with spend, one session without (a plain command), and a hold the last run ended under, after one that was lifted. */
function agentStore(): TestStore {
  const t = makeStore();
  stores.push(t);
  recordSessions(t.store, [
    { issueId: 'A', startedAt: T0, endedAt: T0 + 1000, outcome: 'success', then: 'done', usage: usage(0.25, 1000, 100) },
    { issueId: 'B', startedAt: T0 + 10, endedAt: T0 + 2000, outcome: 'failure', usage: usage(0.5, 3000, 200, 'conv-2') },
    { issueId: 'B', startedAt: T0 + 2100, endedAt: T0 + 2200, outcome: 'failure' },
  ]);
  t.store.recordHold({ kind: 'usage-limit', reason: 'usage limit reached', fix: 'waits until the limit resets', since: T0 + 2300, until: T0 + 9000 });
  t.store.endHold('usage-limit', T0 + 2400, 'a probe session succeeded');
  t.store.recordHold({ kind: 'budget', reason: 'budget reached: $0.75 spent of --max-cost-usd $0.50', fix: 'raise --max-cost-usd (or maxCostUsd) and run again to continue', since: T0 + 2500, until: null });
  return t;
}

describe('harness metrics on agents that report spend, and holds', () => {
  it('JSON: totals from the store, the holds still on, and holds among the events', () => {
    const r = report(agentStore(), finishedRun(T0 + 3000));
    expect([r.totalCostUsd, r.totalInputTokens, r.totalOutputTokens]).toEqual([0.75, 4000, 300]);
    expect(r.holds).toEqual([{ kind: 'budget', reason: 'budget reached: $0.75 spent of --max-cost-usd $0.50', fix: 'raise --max-cost-usd (or maxCostUsd) and run again to continue', since: T0 + 2500, until: null, endedAt: null, endedBy: null }]);
    expect(r.events.filter((e) => e.type.startsWith('hold:')).map((e) => [e.type, e.at, 'kind' in e ? e.kind : null])).toEqual([
      ['hold:on', T0 + 2300, 'usage-limit'],
      ['hold:off', T0 + 2400, 'usage-limit'],
      ['hold:on', T0 + 2500, 'budget'],
    ]);
  });

  it('text: what was spent, each hold with what ends it, and the hold events', () => {
    const text = renderReport(report(agentStore(), finishedRun(T0 + 3000)));
    expect(text).toContain('spent:    $0.75 · 4000 input / 300 output tokens');
    expect(text).toContain('on hold (budget) since 2025-01-01 00:00:02 UTC: budget reached: $0.75 spent of --max-cost-usd $0.50 · raise --max-cost-usd (or maxCostUsd) and run again to continue');
    expect(text).toMatch(/00:00:02 {2}▶ hold lifted \(usage-limit\): a probe session succeeded/);
  });

  it('Prometheus: the harness_hold gauge per kind, cost and token counters', async () => {
    const t = agentStore();
    const text = await collectPrometheus(t.reader(), { state: t.path, hostname: hostname(), isAlive: () => false, now: T0 + 3000 });
    expect(text).toContain('# TYPE harness_hold gauge');
    expect(text).toContain('harness_hold{kind="budget"} 1');
    for (const kind of ['usage-limit', 'auth', 'spend-cap', 'circuit', 'paused']) expect(text).toContain(`harness_hold{kind="${kind}"} 0`);
    expect(text).toContain('# TYPE harness_cost_usd_total counter');
    expect(text).toContain('harness_cost_usd_total 0.75');
    expect(text).toContain('harness_tokens_total{direction="input"} 4000');
    expect(text).toContain('harness_tokens_total{direction="output"} 300');
  });

  it("--issue: the issue's spend, and each session's agent session, cost and tokens", () => {
    const t = agentStore();
    const issue = buildIssueReport(t.reader(), 'B', T0 + 3000, 'state.db');
    expect([issue.spentUsd, issue.spentTokens]).toEqual([0.5, 3200]);
    expect(issue.sessions.map((s) => [s.agentSessionId, s.costUsd, s.inputTokens, s.outputTokens])).toEqual([
      ['conv-2', 0.5, 3000, 200],
      [null, null, null, null],
    ]);
    const text = renderIssueReport(issue);
    expect(text).toContain('· spent $0.50, 3200 tokens');
    expect(text).toMatch(/│ cost +│ tokens in\/out │/);
    expect(text).toMatch(/│ \$0\.50 +│ 3000\/200 +│/);
  });
});
