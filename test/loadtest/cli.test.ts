import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { makeIO, tempDir } from '../helpers/cli.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

async function harness(args: string[]) {
  const { dir, cleanup } = tempDir('harness-load-test-cli-');
  cleanups.push(cleanup);
  const t = makeIO(dir);
  const code = await main(['load-test', ...args], t.io);
  return { code, out: t.stdout(), err: t.stderr(), dir };
}

describe('harness load-test', () => {
  it('passes the heavy scenario with exit 0, showing the tables and the chart in virtual time', async () => {
    const { code, out } = await harness(['--scenario', 'heavy']);
    expect(code).toBe(0);
    expect(out).toMatch(/throughput \(virtual\)/);
    expect(out).toMatch(/peak concurrency\s+│ within 20.0% of 25/);
    expect(out).toMatch(/Little's law/);
    expect(out).toMatch(/workers \(max 25\)/);
    expect(out).toMatch(/PASSED/);
  });

  it('prints the results object with --json and nothing else on stdout', async () => {
    const { code, out } = await harness(['--scenario', 'heavy', '--json']);
    expect(code).toBe(0);
    const results = JSON.parse(out);
    for (const field of ['throughputPerSecond', 'avgLatencyMs', 'p95LatencyMs', 'p99LatencyMs', 'successRate', 'peakConcurrentWorkers', 'scaleOperations', 'backpressureActivations', 'workerStalls', 'summary']) {
      expect(results).toHaveProperty(field);
    }
    expect(results.criteria).toHaveLength(4);
  });

  it('exits 1 naming the failed criterion when a custom spec fails too often', async () => {
    const { code, out } = await harness(['--failure-rate', '0.6']);
    expect(code).toBe(1);
    expect(out).toMatch(/success rate\s+│ ≥ 80.0%\s+│ \d+\.\d% +│ FAIL/);
    expect(out).toMatch(/FAILED: success rate/);
  });

  it('exits 2 on an unknown scenario, listing the valid ones', async () => {
    const { code, err } = await harness(['--scenario', 'enormous']);
    expect(code).toBe(2);
    expect(err).toMatch(/unknown scenario "enormous": expected one of smoke, light, medium, heavy, stress/);
  });

  it('exits 2 on invalid custom values, naming the flags', async () => {
    const { code, err } = await harness(['--issues', '0', '--ramp-up', 'soon', '--mode', 'fast']);
    expect(code).toBe(2);
    expect(err).toMatch(/--issues: expected a positive integer, received 0/);
    expect(err).toMatch(/--ramp-up: expected a number of milliseconds ≥ 0, received "soon"/);
  });

  it('takes the scale flags over the derived config', async () => {
    const { code, out } = await harness(['--scenario', 'light', '--max-workers', '6', '--json']);
    expect(JSON.parse(out).config.scale.maxWorkers).toBe(6);
    expect(code).toBe(1);
  });

  it('reads a scenario from a JSON file', async () => {
    const { dir, cleanup } = tempDir('harness-load-test-cli-');
    cleanups.push(cleanup);
    writeFileSync(join(dir, 'tiny.json'), JSON.stringify({ totalIssues: 8, concurrentAgents: 4, failureRate: 0 }));
    const t = makeIO(dir);
    expect(await main(['load-test', '--scenario', 'tiny.json', '--json'], t.io)).toBe(0);
    expect(JSON.parse(t.stdout())).toMatchObject({ scenario: 'tiny', issues: { done: 8 } });
  });

  it('writes JUnit XML with one test case per criterion and a self-contained HTML report', async () => {
    const { code, dir } = await harness(['--scenario', 'smoke', '--failure-rate', '0.6', '--junit', 'lt.xml', '--report', 'lt.html']);
    expect(code).toBe(1);
    const xml = readFileSync(join(dir, 'lt.xml'), 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml).toMatch(/<failure message="success rate: measured/);
    const html = readFileSync(join(dir, 'lt.html'), 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('scales with a baseline policy given by --policy, and refuses an unknown one', async () => {
    const fixed = await harness(['--scenario', 'medium', '--policy', 'fixed-max', '--json']);
    expect(JSON.parse(fixed.out).policy).toBe('fixed-max');
    const unknown = await harness(['--scenario', 'medium', '--policy', 'random']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown policy "random": expected one of default, fixed-max, fixed-min, hpa/);
    const both = await harness(['--scenario', 'medium', '--policy', 'hpa', '--compare']);
    expect(both.code).toBe(2);
  });

  it('declares chains with --chain-share and --chain-length, and takes --on-blocker-failure', async () => {
    const { code, out } = await harness(['--issues', '60', '--agents', '10', '--chain-share', '1', '--chain-length', '3', '--on-blocker-failure', 'wait', '--max-attempts', '1', '--failure-rate', '0.5', '--json']);
    const r = JSON.parse(out);
    expect(r.spec.chains).toEqual({ share: 1, length: 3 });
    expect(r.config.onBlockerFailure).toBe('wait');
    expect(r.chains).toMatchObject({ count: 20, chainedIssues: 60, onBlockerFailure: 'wait', blockedFailed: 0 });
    expect(r.chains.leftWaiting).toBeGreaterThan(0);
    expect(r.issues.unfinished).toBe(r.chains.leftWaiting);
    expect(code).toBe(1);
    // One flag alone keeps the scenario's other field.
    const longer = await harness(['--scenario', 'chains', '--chain-length', '10', '--json']);
    expect(JSON.parse(longer.out).spec).toMatchObject({ name: 'chains-custom', chains: { share: 0.5, length: 10 } });
    const shown = await harness(['--scenario', 'chains']);
    expect(shown.out).toMatch(/chains\s+│ 20 chains of 5 \(100 of 200 issues\); 0 failed because a blocker failed/);
    expect(shown.out).toMatch(/critical path \(virtual\)/);
  });

  it('exits 2 on invalid chain flags, naming them', async () => {
    const { code, err } = await harness(['--chain-share', 'most', '--chain-length', '1']);
    expect(code).toBe(2);
    expect(err).toMatch(/--chain-share: expected a number from 0 to 1, received "most"/);
    expect(err).toMatch(/--chain-length: expected an integer ≥ 2 \(issues per chain\), received 1/);
    const bad = await harness(['--on-blocker-failure', 'retry']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--on-blocker-failure: expected "fail" or "wait", received "retry"/);
  });

  it('prints the comparison table with --compare', async () => {
    const { code, out } = await harness(['--scenario', 'medium', '--compare']);
    expect(code).toBe(0);
    expect(out).toMatch(/policy\s+│ default\s+│ fixed-max\s+│ fixed-min\s+│ hpa/);
    expect(out).toMatch(/× lower bound/);
  });
});
