import { describe, expect, it } from 'vitest';
import { evaluateCriteria, type CriteriaInput } from '../../src/loadtest/criteria.js';

const good: CriteriaInput = { successRate: 0.9, finishedSessions: 200, finalHealth: 'healthy', workerStalls: 0, distinctWorkers: 25, peakConcurrentWorkers: 25, targetConcurrency: 25 };

function verdict(change: Partial<CriteriaInput>, name: string): boolean {
  const criterion = evaluateCriteria({ ...good, ...change }).find((c) => c.name === name);
  if (!criterion) throw new Error(`no criterion ${name}`);
  return criterion.passed;
}

describe('evaluateCriteria', () => {
  it('fails the success rate when no session finished, though the rate of nothing is 1', () => {
    expect(verdict({ successRate: 1, finishedSessions: 0 }, 'success rate')).toBe(false);
    expect(evaluateCriteria({ ...good, successRate: 1, finishedSessions: 0 })[0]?.detail).toBe('no session finished');
    expect(verdict({ successRate: 0.8, finishedSessions: 5 }, 'success rate')).toBe(true);
  });

  it('passes all four on a good run and reports each measured value', () => {
    const criteria = evaluateCriteria(good);
    expect(criteria.map((c) => [c.name, c.passed])).toEqual([
      ['success rate', true],
      ['health', true],
      ['worker stalls', true],
      ['peak concurrency', true],
    ]);
    expect(criteria.map((c) => c.measured)).toEqual([0.9, 'healthy', 0, 25]);
  });

  it.each([
    [{ successRate: 0.8 }, true],
    [{ successRate: 0.7999 }, false],
    [{ successRate: 0.4 }, false],
  ])('success rate ≥ 80%%: %o → %s', (change, passed) => expect(verdict(change, 'success rate')).toBe(passed));

  it.each([
    [{ finalHealth: 'healthy' as const }, true],
    [{ finalHealth: 'degraded' as const }, true],
    [{ finalHealth: 'unhealthy' as const }, false],
  ])('health not unhealthy: %o → %s', (change, passed) => expect(verdict(change, 'health')).toBe(passed));

  it.each([
    [{ workerStalls: 2, distinctWorkers: 25 }, true],
    [{ workerStalls: 3, distinctWorkers: 25 }, false],
    [{ workerStalls: 1, distinctWorkers: 10 }, false],
    [{ workerStalls: 1, distinctWorkers: 11 }, true],
    [{ workerStalls: 0, distinctWorkers: 0 }, false],
  ])('stalls < 10%% of workers: %o → %s', (change, passed) => expect(verdict(change, 'worker stalls')).toBe(passed));

  it.each([
    [{ peakConcurrentWorkers: 20 }, true],
    [{ peakConcurrentWorkers: 19 }, false],
    [{ peakConcurrentWorkers: 30 }, true],
    [{ peakConcurrentWorkers: 31 }, false],
    [{ peakConcurrentWorkers: 28, targetConcurrency: 35 }, true],
    [{ peakConcurrentWorkers: 27, targetConcurrency: 35 }, false],
    [{ peakConcurrentWorkers: 4, targetConcurrency: 5 }, true],
    [{ peakConcurrentWorkers: 0 }, false],
  ])('peak within 20%% of target: %o → %s', (change, passed) => expect(verdict(change, 'peak concurrency')).toBe(passed));
});
