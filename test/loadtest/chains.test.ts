import { describe, expect, it } from 'vitest';
import { ChainWatch } from '../../src/loadtest/chain-watch.js';
import { chainCount, chainLayout, chainProblems } from '../../src/loadtest/chains.js';
import { MakespanBound } from '../../src/loadtest/quality.js';
import { parseScenario } from '../../src/loadtest/scenarios.js';
import { generateLoadTestSpec } from '../../src/loadtest/spec.js';

/** Every chain of a layout, as lists of indices in blocking order. */
function chainsOf(totalIssues: number, seed: number, share: number, length: number): number[][] {
  const layout = chainLayout({ totalIssues, seed, chains: { share, length } });
  if (!layout) return [];
  const chains: number[][] = [];
  for (let i = 0; i < totalIssues; i++) {
    if (layout.blockerOf(i) !== null || layout.dependentOf(i) === null) continue;
    const chain = [i];
    for (let next = layout.dependentOf(i); next !== null; next = layout.dependentOf(next)) chain.push(next);
    chains.push(chain);
  }
  return chains;
}

describe('chainLayout', () => {
  it.each([
    // issues, share, length → chains
    [200, 0.5, 5, 20],
    [200, 0.3, 3, 20],
    [10, 1, 3, 3],
    [100, 0.02, 2, 1],
    [7, 1, 7, 1],
  ])('%i issues, share %f, length %i: %i chains of consecutive issues, each blocked by the one before', (issues, share, length, count) => {
    const chains = chainsOf(issues, 1, share, length);
    expect(chains).toHaveLength(count);
    expect(chainCount({ totalIssues: issues, chains: { share, length } })).toBe(count);
    const layout = chainLayout({ totalIssues: issues, seed: 1, chains: { share, length } })!;
    for (const chain of chains) {
      expect(chain).toHaveLength(length);
      chain.forEach((index, k) => {
        expect(index).toBe(chain[0]! + k);
        expect(layout.blockerOf(index)).toBe(k === 0 ? null : index - 1);
      });
    }
  });

  it('spreads the chains evenly over the arrivals, where the seed rotates them', () => {
    const starts = (seed: number) => chainsOf(100, seed, 0.4, 5).map((c) => c[0]);
    // 20 blocks of 5, 8 of them chains: every 2.5 blocks.
    for (const seed of [1, 2, 3]) {
      const gaps = starts(seed).slice(1).map((s, i) => s! - starts(seed)[i]!);
      expect(new Set(gaps)).toEqual(new Set([10, 15]));
    }
    expect(starts(1)).toEqual(starts(1));
    expect(new Set([1, 2, 3, 4, 5].map((seed) => starts(seed).join())).size).toBeGreaterThan(1);
  });

  it('has no layout without chains, or with a share of 0', () => {
    expect(chainLayout({ totalIssues: 10, seed: 1 })).toBeNull();
    expect(chainLayout({ totalIssues: 10, seed: 1, chains: { share: 0, length: 3 } })).toBeNull();
  });
});

describe('chainProblems', () => {
  it.each([
    [{ share: 2, length: 3 }, 100, ['chains.share: expected a number from 0 to 1, received 2']],
    [{ share: 0.3, length: 1.5 }, 100, ['chains.length: expected an integer ≥ 2 (issues per chain), received 1.5']],
    [{ share: 0.3 }, 100, ['chains.length: expected an integer ≥ 2 (issues per chain), received nothing']],
    [{ share: '0.3', length: 3 }, 100, ['chains.share: expected a number from 0 to 1, received "0.3"']],
    [{ share: 0.3, length: 3, order: 'random' }, 100, ['chains.order: unknown field (expected one of share, length)']],
    [[0.3, 3], 100, ['chains: expected an object such as {"share": 0.3, "length": 3}, received [0.3,3]']],
    [{ share: 0.5, length: 20 }, 10, ['chains.length: expected at most totalIssues (10), received 20: lower it, or raise totalIssues']],
    [{ share: 0.1, length: 4 }, 10, ['chains.share: 0.1 of 10 issues is less than one chain of 4: raise it to at least 0.4, lower chains.length, or set it to 0 for no chains']],
    [{ share: 0, length: 4 }, 10, []],
    [{ share: 1, length: 10 }, 10, []],
  ])('%j of %i issues: %j', (chains, totalIssues, problems) => {
    expect(chainProblems(chains, totalIssues)).toEqual(problems);
  });

  it('are a spec problem: generateLoadTestSpec throws naming the field, a scenario file lists it', () => {
    expect(() => generateLoadTestSpec({ chains: { share: 1.5, length: 3 } })).toThrow(/chains\.share: expected a number from 0 to 1, received 1\.5/);
    expect(() => parseScenario(JSON.stringify({ chains: { share: 0.3, length: 0 } }), 'x.json', 'x')).toThrow(/invalid scenario in x\.json/);
    try {
      parseScenario(JSON.stringify({ chains: { share: 0.3, length: 0 } }), 'x.json', 'x');
    } catch (error) {
      expect((error as { problems: string[] }).problems).toEqual(['chains.length: expected an integer ≥ 2 (issues per chain), received 0']);
    }
    expect(parseScenario(JSON.stringify({ chains: { share: 0.3, length: 3 } }), 'x.json', 'x').chains).toEqual({ share: 0.3, length: 3 });
  });
});

describe('ChainWatch', () => {
  // LT-1 → LT-2 → LT-3: each blocked by the one before.
  const chain = ['LT-1', 'LT-2', 'LT-3'];
  const byId = {
    blockerOf: (id: string) => chain[chain.indexOf(id) - 1] ?? null,
    dependentOf: (id: string) => (chain.includes(id) ? (chain[chain.indexOf(id) + 1] ?? null) : null),
  };

  it('counts arrived issues whose blocker is not done, and when each could start', () => {
    const w = new ChainWatch(byId);
    chain.forEach((id) => w.arrived(id));
    expect(w.blocked).toBe(2);
    expect(w.finish('LT-1', true, 100, 0, 100)).toBe(100);
    expect(w.blocked).toBe(1);
    expect(w.readySince('LT-2', 5)).toBe(100);
    expect(w.finish('LT-2', true, 250, 5, 150)).toBe(250);
    expect(w.blocked).toBe(0);
    // The path through the chain: its blockers' sessions, then its own, none before it arrived.
    expect(w.finish('LT-3', true, 400, 300, 60)).toBe(360);
  });

  it('keeps the dependents of a failed blocker blocked until they fail in turn', () => {
    const w = new ChainWatch(byId);
    chain.forEach((id) => w.arrived(id));
    w.finish('LT-1', false, 100, 0, 100);
    expect(w.blocked).toBe(2);
    w.finish('LT-2', false, 100, 5, 0);
    expect(w.blocked).toBe(1);
    w.finish('LT-3', false, 100, 10, 0);
    expect(w.blocked).toBe(0);
  });

  it('does not count a dependent that arrives after its blocker was done', () => {
    const w = new ChainWatch(byId);
    w.arrived('LT-1');
    w.finish('LT-1', true, 100, 0, 100);
    w.arrived('LT-2');
    expect(w.blocked).toBe(0);
    expect(w.readySince('LT-2', 150)).toBe(150);
  });
});

describe('MakespanBound with chains', () => {
  it('is at least the critical path passed for an issue, beyond its own arrival + work', () => {
    const b = new MakespanBound();
    b.add(0, 60);
    b.add(1, 60, 120);
    b.add(2, 60, 180);
    expect(b.criticalPath()).toBe(180);
    // Three sessions of 60 on 10 workers: the area bound is 18, the chain's 180.
    expect(b.bound(10)).toBe(180);
  });
});
