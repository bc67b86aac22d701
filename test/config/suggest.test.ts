import { describe, expect, it } from 'vitest';
import { editDistance, suggestKey, unknownFieldMessage } from '../../src/config/suggest.js';

describe('editDistance', () => {
  it.each<[string, string, number]>([
    ['', '', 0],
    ['abc', '', 3],
    ['kitten', 'sitting', 3],
    ['maxWorker', 'maxWorkers', 1],
    ['flaw', 'lawn', 2],
  ])('%s ↔ %s = %i', (a, b, expected) => {
    expect(editDistance(a, b)).toBe(expected);
    expect(editDistance(b, a)).toBe(expected);
  });
});

describe('suggestKey', () => {
  const fields = ['minWorkers', 'maxWorkers', 'workerStallTimeoutMs', 'agent', 'agent.command', 'agent.prompt'];
  it.each<[string, string | undefined]>([
    ['maxWorker', 'maxWorkers'],
    ['MaxWorkers', 'maxWorkers'],
    ['minWorkrs', 'minWorkers'],
    ['workerStallTimeout', 'workerStallTimeoutMs'],
    ['command', 'agent.command'],
    ['agent.comand', 'agent.command'],
    ['colour', undefined],
  ])('%s → %s', (key, expected) => {
    expect(suggestKey(key, fields)).toBe(expected);
  });
});

describe('unknownFieldMessage', () => {
  it('suggests the nearest key', () => {
    expect(unknownFieldMessage('maxWorker', 'maxWorker', ['maxWorkers', 'minWorkers'])).toBe(
      'maxWorker: unknown field; did you mean "maxWorkers"?',
    );
  });
  it('lists the known keys when none is close', () => {
    expect(unknownFieldMessage('colour', 'colour', ['maxWorkers', 'minWorkers'])).toBe(
      'colour: unknown field; known fields are maxWorkers, minWorkers',
    );
  });
});
