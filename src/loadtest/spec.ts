import { UsageError } from '../errors.js';
import type { BehaviourParams } from './behaviour.js';
import { chainProblems, type ChainSpec } from './chains.js';
import { rateLimitProblems, type RateLimitSpec } from './provider.js';

/**
 * A load test's workload: how many issues arrive, over how long, how long
 * their sessions take and how often they fail or stall. Scenarios are specs
 * stored as JSON (scenarios/*.json); `generateLoadTestSpec` builds custom ones.
 */
export interface LoadTestSpec extends BehaviourParams {
  /** A scenario name, or "custom". */
  name: string;
  /** One line saying what the workload stands for. */
  description?: string;
  /** Issues that arrive in total. */
  totalIssues: number;
  /** The concurrency target: maxWorkers, and the yardstick of the peak-concurrency criterion. */
  concurrentAgents: number;
  /** Issues arrive evenly spaced over this many ms, the first at time 0. */
  rampUpMs: number;
  /** The model provider's rate limit, shared by the fleet (simulation only); none when absent. */
  rateLimit?: RateLimitSpec;
  /** Dependency chains among the issues (src/loadtest/chains.ts); none when absent. */
  chains?: ChainSpec;
}

export type LoadTestSpecOptions = Partial<LoadTestSpec>;

/** The values a custom spec starts from (the seed's "custom load test" example). */
export const DEFAULT_SPEC: Readonly<LoadTestSpec> = Object.freeze({
  name: 'custom',
  totalIssues: 200,
  concurrentAgents: 25,
  avgSessionDurationMs: 60_000,
  sessionDurationVariance: 0.3,
  failureRate: 0.1,
  rampUpMs: 90_000,
  stallRate: 0,
  seed: 1,
});

type Check = (value: number) => boolean;

const isCount: Check = (v) => Number.isInteger(v) && v > 0;
const isShare: Check = (v) => v >= 0 && v <= 1;
const isPositive: Check = (v) => v > 0;
const isNonNegative: Check = (v) => v >= 0;
const isSeed: Check = (v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

/** Every numeric field: the rule it obeys, as a check and as the words of an error. */
const RULES: Record<Exclude<keyof LoadTestSpec, 'name' | 'description' | 'rateLimit' | 'chains'>, [Check, string]> = {
  totalIssues: [isCount, 'a positive integer'],
  concurrentAgents: [isCount, 'a positive integer'],
  avgSessionDurationMs: [isPositive, 'a positive number of milliseconds'],
  sessionDurationVariance: [isShare, 'a number from 0 to 1'],
  failureRate: [isShare, 'a number from 0 to 1'],
  rampUpMs: [isNonNegative, 'a number of milliseconds ≥ 0'],
  stallRate: [isShare, 'a number from 0 to 1'],
  seed: [isSeed, 'an integer from 0 to 4294967295'],
};

export const SPEC_FIELDS = Object.keys(RULES) as (keyof typeof RULES)[];

/**
 * Problems with a would-be spec, one line per field, each naming what was
 * expected and what was received. `label` maps a field to the name the user
 * wrote (a flag, a JSON key).
 */
export function specProblems(spec: object, label: (field: string) => string = (f) => f): string[] {
  const record = spec as Readonly<Record<string, unknown>>;
  const problems: string[] = [];
  for (const field of SPEC_FIELDS) {
    const value = record[field];
    const [check, expected] = RULES[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
      problems.push(`${label(field)}: expected ${expected}, received ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
    }
  }
  problems.push(...rateLimitProblems(record.rateLimit, label('rateLimit')));
  problems.push(...chainProblems(record.chains, record.totalIssues, label));
  if (typeof record.name !== 'string' || record.name === '') {
    problems.push(`${label('name')}: expected a non-empty string, received ${JSON.stringify(record.name)}`);
  }
  return problems;
}

/**
 * A complete spec from the fields given; absent fields take DEFAULT_SPEC's
 * values. Given values are kept exactly: a failure rate of 0 stays 0.
 * Throws a UsageError listing every invalid field.
 */
export function generateLoadTestSpec(options: LoadTestSpecOptions = {}): LoadTestSpec {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const spec = { ...DEFAULT_SPEC, ...given } as LoadTestSpec;
  const problems = specProblems(spec);
  if (problems.length > 0) throw new UsageError(`invalid load-test spec:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return spec;
}

/** When issue `index` (0-based) of the spec arrives: evenly spaced over the ramp-up, the first at 0. */
export function arrivalTime(spec: Pick<LoadTestSpec, 'rampUpMs' | 'totalIssues'>, index: number): number {
  return Math.floor((spec.rampUpMs * index) / spec.totalIssues);
}

/** The id of issue `index` (0-based): LT-1, LT-2, … */
export function issueId(index: number): string {
  return `LT-${index + 1}`;
}

/** The index of issue `id` (LT-7 → 6): issueId's inverse. */
export function issueIndex(id: string): number {
  return Number(id.slice(3)) - 1;
}
