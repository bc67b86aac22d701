import { describe, expect, it } from 'vitest';
import { decideGate, findCycle, unknownBlockers, type BlockerState, type Dependent } from '../../src/core/dependencies.js';

const d = (id: string, ...blockedBy: string[]): Dependent => ({ id, blockedBy });
const states =
  (known: Partial<Record<string, BlockerState>>) =>
  (id: string): BlockerState =>
    known[id] ?? 'pending';

describe('decideGate', () => {
  it.each([
    { name: 'no blockers: ready', waiting: [d('a')], known: {}, ready: ['a'], doomed: [], stuck: [] },
    { name: 'blocker done: ready', waiting: [d('b', 'a')], known: { a: 'done' as const }, ready: ['b'], doomed: [], stuck: [] },
    { name: 'blocker running: waits', waiting: [d('b', 'a')], known: {}, ready: [], doomed: [], stuck: [] },
    { name: 'one of two blockers done: waits', waiting: [d('c', 'a', 'b')], known: { a: 'done' as const }, ready: [], doomed: [], stuck: [] },
    { name: 'blocker failed: doomed, naming it', waiting: [d('b', 'a')], known: { a: 'failed' as const }, ready: [], doomed: [{ id: 'b', blocker: 'a' }], stuck: [] },
    {
      name: 'a chain fails from its failed head, each naming the nearest blocker',
      waiting: [d('b', 'a'), d('c', 'b'), d('d', 'c')],
      known: { a: 'failed' as const },
      ready: [],
      doomed: [
        { id: 'b', blocker: 'a' },
        { id: 'c', blocker: 'b' },
        { id: 'd', blocker: 'c' },
      ],
      stuck: [],
    },
    { name: 'a waiting blocker is pending, even when its own blockers are done', waiting: [d('b', 'a'), d('c', 'b')], known: { a: 'done' as const }, ready: ['b'], doomed: [], stuck: [] },
  ])('$name', ({ waiting, known, ready, doomed, stuck }) => {
    expect(decideGate(waiting, states(known), 'fail')).toEqual({ ready, doomed, stuck });
  });

  it('keeps a failed blocker’s dependents (and theirs) waiting in mode wait', () => {
    const decision = decideGate([d('b', 'a'), d('c', 'b'), d('x')], states({ a: 'failed' }), 'wait');
    expect(decision).toEqual({ ready: ['x'], doomed: [], stuck: ['b', 'c'] });
  });

  it('decides a long chain without recursion', () => {
    const chain = Array.from({ length: 50_000 }, (_, i) => d(`n${i + 1}`, `n${i}`));
    const decision = decideGate(chain, states({ n0: 'failed' }), 'fail');
    expect(decision.doomed).toHaveLength(50_000);
    expect(decision.doomed.at(-1)).toEqual({ id: 'n50000', blocker: 'n49999' });
  });
});

describe('findCycle', () => {
  it.each([
    { name: 'none', issues: [d('a'), d('b', 'a'), d('c', 'a', 'b')], cycle: null },
    { name: 'two issues', issues: [d('a', 'b'), d('b', 'a')], cycle: ['a', 'b', 'a'] },
    { name: 'three, reached from outside', issues: [d('x', 'a'), d('a', 'c'), d('c', 'b'), d('b', 'a')], cycle: ['a', 'c', 'b', 'a'] },
    { name: 'blockers outside the set end a path', issues: [d('a', 'elsewhere')], cycle: null },
    { name: 'a diamond is no cycle', issues: [d('d', 'b', 'c'), d('b', 'a'), d('c', 'a'), d('a')], cycle: null },
  ])('$name', ({ issues, cycle }) => {
    expect(findCycle(issues)).toEqual(cycle);
  });

  it('walks a chain of 100,000 without overflowing the stack', () => {
    const chain = Array.from({ length: 100_000 }, (_, i) => d(`n${i}`, ...(i > 0 ? [`n${i - 1}`] : ['n99999'])));
    expect(findCycle(chain)).toHaveLength(100_001);
  });
});

describe('unknownBlockers', () => {
  it('names blockers neither listed nor known', () => {
    expect(unknownBlockers([d('a', 'b', 'old', 'gone'), d('b')], (id) => id === 'old')).toEqual([{ id: 'a', blocker: 'gone' }]);
  });
});
