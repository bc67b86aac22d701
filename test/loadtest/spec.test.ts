import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../../src/errors.js';
import { LOAD_TEST_SCENARIOS, SCENARIO_NAMES, resolveScenario } from '../../src/loadtest/scenarios.js';
import { DEFAULT_SPEC, arrivalTime, generateLoadTestSpec } from '../../src/loadtest/spec.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'harness-scenario-'));
  dirs.push(dir);
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

describe('scenarios', () => {
  it.each([
    ['smoke', 10, 5, 30_000, 0.1, 10_000],
    ['light', 50, 8, 45_000, 0.1, 30_000],
    ['medium', 100, 15, 60_000, 0.1, 60_000],
    ['heavy', 200, 25, 60_000, 0.1, 90_000],
    ['stress', 300, 35, 60_000, 0.15, 120_000],
  ] as const)('%s has the values of the seed table', (name, issues, agents, mean, failureRate, rampUp) => {
    expect(LOAD_TEST_SCENARIOS[name]).toMatchObject({
      name,
      totalIssues: issues,
      concurrentAgents: agents,
      avgSessionDurationMs: mean,
      sessionDurationVariance: 0.3,
      failureRate,
      rampUpMs: rampUp,
      stallRate: 0,
    });
  });

  it('rejects an unknown name with a usage error that lists the valid ones', () => {
    expect(() => resolveScenario('huge', '/tmp')).toThrow(UsageError);
    expect(() => resolveScenario('huge', '/tmp')).toThrow(SCENARIO_NAMES.join(', '));
  });

  it('loads a JSON file, filling absent fields from the defaults and naming it after the file', () => {
    const path = tempFile('nightly.json', JSON.stringify({ totalIssues: 40, failureRate: 0 }));
    expect(resolveScenario(path, '/')).toEqual({ ...DEFAULT_SPEC, name: 'nightly', totalIssues: 40, failureRate: 0 });
  });

  it('reports every problem of a bad file: unknown keys and invalid values', () => {
    const path = tempFile('bad.json', JSON.stringify({ totalIssue: 40, variance: 2, failureRate: -1 }));
    const error = (() => {
      try {
        resolveScenario(path, '/');
      } catch (e) {
        return e as InputError;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect(error!.problems.join('\n')).toMatch(/totalIssue: unknown field/);
    expect(error!.problems.join('\n')).toMatch(/failureRate: expected a number from 0 to 1, received -1/);
  });
});

describe('generateLoadTestSpec', () => {
  it('keeps given values exactly, a failure rate of 0 included, and defaults the rest', () => {
    const spec = generateLoadTestSpec({ totalIssues: 12, failureRate: 0 });
    expect(spec.failureRate).toBe(0);
    expect(spec.totalIssues).toBe(12);
    expect(spec.concurrentAgents).toBe(DEFAULT_SPEC.concurrentAgents);
  });

  it('names every invalid field', () => {
    expect(() => generateLoadTestSpec({ totalIssues: 0, concurrentAgents: 2.5, stallRate: 3 })).toThrow(
      /totalIssues: expected a positive integer[\s\S]*concurrentAgents[\s\S]*stallRate/,
    );
  });
});

describe('arrivalTime', () => {
  it('spaces arrivals evenly over the ramp-up, the first at 0 and the last before its end', () => {
    const spec = { totalIssues: 4, rampUpMs: 10_000 };
    expect([0, 1, 2, 3].map((i) => arrivalTime(spec, i))).toEqual([0, 2500, 5000, 7500]);
    expect(arrivalTime({ totalIssues: 3, rampUpMs: 0 }, 2)).toBe(0);
  });
});
