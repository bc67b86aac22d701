/**
 * Dependency chains in a load test's workload: a share of the issues arrive
 * as chains, each issue blocked by the one before it in its chain. Pure: the
 * layout is a function of the spec, O(1) per issue, so a million issues cost
 * no table.
 *
 * Issues are cut into blocks of `length` consecutive arrivals (LT-1…LT-L,
 * LT-L+1…LT-2L, …; a last, shorter block is never a chain). Of those
 * blocks, ⌊share × totalIssues ÷ length⌋ are chains, spread evenly over the
 * arrivals and rotated by an offset drawn from the seed: evenly rather than
 * at random for the reason arrivals are evenly spaced (the scaler, not the
 * draw, is what varies between runs), and rotated so seeds differ.
 */
import { drawWorkload } from './behaviour.js';

export interface ChainSpec {
  /** Share of the issues that arrive in chains, 0–1 (0: none). */
  share: number;
  /** Issues per chain, ≥ 2: the first is blocked by nothing, each next one by the one before it. */
  length: number;
}

/** What `--chain-share` or `--chain-length` alone starts from when the scenario has no chains. */
export const DEFAULT_CHAINS: Readonly<ChainSpec> = Object.freeze({ share: 0.3, length: 3 });

const CHAIN_KEYS = ['share', 'length'] as const;

/**
 * Problems with a spec's `chains`, one line each, naming what was expected
 * and what was received. `label` maps a field (`chains`, `chains.share`,
 * `chains.length`) to the name the user wrote. `totalIssues` is checked
 * against only when it is itself valid.
 */
export function chainProblems(value: unknown, totalIssues: unknown, label: (field: string) => string = (f) => f): string[] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [`${label('chains')}: expected an object such as {"share": 0.3, "length": 3}, received ${JSON.stringify(value)}`];
  }
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(record)) {
    if (!(CHAIN_KEYS as readonly string[]).includes(key)) problems.push(`${label(`chains.${key}`)}: unknown field (expected one of ${CHAIN_KEYS.join(', ')})`);
  }
  const { share, length } = record;
  const shareOk = typeof share === 'number' && Number.isFinite(share) && share >= 0 && share <= 1;
  const lengthOk = typeof length === 'number' && Number.isInteger(length) && length >= 2;
  if (!shareOk) problems.push(`${label('chains.share')}: expected a number from 0 to 1, received ${shown(share)}`);
  if (!lengthOk) problems.push(`${label('chains.length')}: expected an integer ≥ 2 (issues per chain), received ${shown(length)}`);
  if (!shareOk || !lengthOk || typeof totalIssues !== 'number' || !Number.isInteger(totalIssues) || totalIssues <= 0) return problems;
  if (length > totalIssues) {
    problems.push(`${label('chains.length')}: expected at most totalIssues (${totalIssues}), received ${length}: lower it, or raise totalIssues`);
  } else if (share > 0 && chainCount({ totalIssues, chains: { share, length } }) === 0) {
    problems.push(
      `${label('chains.share')}: ${share} of ${totalIssues} issues is less than one chain of ${length}: raise it to at least ${Math.ceil((1000 * length) / totalIssues) / 1000}, lower ${label('chains.length')}, or set it to 0 for no chains`,
    );
  }
  return problems;
}

function shown(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/** How many chains a spec has: ⌊share × totalIssues ÷ length⌋ (0 without chains). */
export function chainCount(spec: { totalIssues: number; chains?: ChainSpec | undefined }): number {
  if (!spec.chains) return 0;
  return Math.floor((spec.chains.share * spec.totalIssues) / spec.chains.length);
}

/** Where a spec's chains fall, by issue index (0-based, as issueId takes it). */
export interface ChainLayout {
  readonly chains: number;
  readonly length: number;
  /** The index of the issue that blocks issue `index`, or null. */
  blockerOf(index: number): number | null;
  /** The index of the issue that issue `index` blocks, or null. */
  dependentOf(index: number): number | null;
}

/** The layout of a spec's chains, or null when it has none (the workload then takes its path without a gate). */
export function chainLayout(spec: { totalIssues: number; seed: number; chains?: ChainSpec | undefined }): ChainLayout | null {
  const chains = chainCount(spec);
  if (chains === 0 || !spec.chains) return null;
  const { length } = spec.chains;
  const blocks = Math.floor(spec.totalIssues / length);
  const offset = Math.floor(drawWorkload(spec, 'chains') * blocks);
  // Block k (after the rotation) is a chain when the k-th step of chains ÷ blocks crosses an integer: exactly `chains` of them, evenly apart.
  const chained = (block: number): boolean => {
    if (block >= blocks) return false;
    const k = (block + offset) % blocks;
    return Math.floor(((k + 1) * chains) / blocks) > Math.floor((k * chains) / blocks);
  };
  return {
    chains,
    length,
    blockerOf: (index) => (index % length !== 0 && chained(Math.floor(index / length)) ? index - 1 : null),
    dependentOf: (index) => (index % length !== length - 1 && chained(Math.floor(index / length)) ? index + 1 : null),
  };
}
