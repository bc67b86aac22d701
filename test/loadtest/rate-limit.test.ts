import { describe, expect, it } from 'vitest';
import { compareLoadTest, runLoadTest, runLoadTestScenario } from '../../src/loadtest/run.js';
import { renderComparison } from '../../src/loadtest/render.js';
import { LOAD_TEST_SCENARIOS } from '../../src/loadtest/scenarios.js';
import { generateLoadTestSpec } from '../../src/loadtest/spec.js';

const isolated = { readConfig: false } as const;

describe('a load test behind a provider rate limit', () => {
  it('has sessions over the limit answered 429 and slowed, and the harness lowering its concurrency', async () => {
    const r = await runLoadTestScenario('rate-limited', '/tmp', isolated);
    expect(r.rateLimit).not.toBeNull();
    const rl = r.rateLimit!;
    expect(rl.rejected).toBeGreaterThan(0);
    expect(rl.retryWaitMs).toBeGreaterThan(0);
    expect(rl.lowestConcurrency).not.toBeNull();
    expect(rl.lowestConcurrency!).toBeLessThan(LOAD_TEST_SCENARIOS['rate-limited'].concurrentAgents);
    // Each session makes one request per requestEveryMs of its work: at least that many were accepted.
    expect(rl.requests - rl.rejected).toBeGreaterThanOrEqual(r.sessions.total);
    expect(r.summary).toMatch(/rate limit 200 requests\/min: \d+ of \d+ requests answered 429/);
  });

  it('under --compare, adaptive concurrency keeps at least the fixed pool’s throughput with fewer 429s', async () => {
    const runs = await compareLoadTest({ ...LOAD_TEST_SCENARIOS['rate-limited'] }, '/tmp', isolated);
    const adaptive = runs.find((r) => r.policy === 'default')!;
    const fixed = runs.find((r) => r.policy === 'fixed-max')!;
    expect(fixed.rateLimit!.lowestConcurrency).toBeNull();
    expect(adaptive.throughputPerSecond).toBeGreaterThanOrEqual(fixed.throughputPerSecond);
    expect(adaptive.rateLimit!.rejected).toBeLessThan(fixed.rateLimit!.rejected / 2);
    expect(adaptive.passed).toBe(true);
    const table = renderComparison(runs);
    expect(table).toMatch(/429 responses/);
    expect(table).toMatch(/throughput \(issues\/s\)/);
  });

  it('is the same run without the limit as a spec that never had one', async () => {
    const spec = generateLoadTestSpec({ totalIssues: 40, concurrentAgents: 8 });
    const limitless = await runLoadTest(spec, '/tmp', isolated);
    expect(limitless.rateLimit).toBeNull();
    // A limit no fleet of 8 reaches: nothing is refused, and every figure but the request counts is the same.
    const generous = await runLoadTest({ ...spec, rateLimit: { requestsPerMinute: 1_000_000 } }, '/tmp', isolated);
    expect(generous.rateLimit!.rejected).toBe(0);
    expect(generous.issues).toEqual(limitless.issues);
    expect(generous.sessions).toEqual(limitless.sessions);
  });

  it('refuses a bad rate limit, naming the field, and refuses process mode', async () => {
    expect(() => generateLoadTestSpec({ rateLimit: { requestsPerMinute: 0 } })).toThrow(/rateLimit.requestsPerMinute: expected a positive number, received 0/);
    await expect(runLoadTestScenario('rate-limited', '/tmp', { ...isolated, mode: 'process' })).rejects.toThrow(/runs in simulation only/);
  });
});
