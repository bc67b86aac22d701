import { describe, expect, it } from 'vitest';
import { assertTransition, canTransition, isKnownState, ISSUE_TRANSITIONS, MACHINES } from '../../src/core/machines.js';
import { IllegalTransitionError } from '../../src/errors.js';

describe('state machines', () => {
  it.each([
    ['issue', 'backlog', 'queued', true],
    ['issue', 'queued', 'running', true],
    ['issue', 'running', 'merging', true],
    ['issue', 'merging', 'done', true],
    ['issue', 'failed', 'queued', true],
    ['issue', 'done', 'running', false],
    ['issue', 'backlog', 'running', false],
    ['issue', 'queued', 'done', false],
    ['session', 'open', 'lost', true],
    ['session', 'success', 'failure', false],
    ['worker', 'idle', 'busy', true],
    ['worker', 'busy', 'busy', false],
    ['worker', 'retired', 'idle', false],
    ['worker', 'draining', 'idle', false],
    ['merge entry', 'merging', 'queued', true],
    ['merge entry', 'landed', 'queued', false],
  ] as const)('%s %s → %s allowed: %s', (entity, from, to, allowed) => {
    expect(canTransition(entity, from, to)).toBe(allowed);
    if (allowed) expect(() => assertTransition(entity, 'x', from, to)).not.toThrow();
    else expect(() => assertTransition(entity, 'x', from, to)).toThrow(IllegalTransitionError);
  });

  it('names the thing, the move and what is allowed instead', () => {
    expect(() => assertTransition('issue', 'BUG-7', 'done', 'running')).toThrow('illegal issue transition for BUG-7: done → running (done is final)');
    expect(() => assertTransition('worker', 'worker-3', 'busy', 'busy')).toThrow(/from busy it may go to idle, draining/);
    expect(() => assertTransition('issue', 'X', 'paused', 'queued')).toThrow(/"paused" is not an issue state/);
  });

  it('knows every state of every table, and nothing else', () => {
    for (const [entity, table] of Object.entries(MACHINES)) {
      for (const [from, targets] of Object.entries(table)) {
        expect(isKnownState(entity as keyof typeof MACHINES, from)).toBe(true);
        for (const to of targets as readonly string[]) expect(isKnownState(entity as keyof typeof MACHINES, to)).toBe(true);
      }
    }
    expect(isKnownState('issue', 'paused')).toBe(false);
    expect(Object.keys(ISSUE_TRANSITIONS)).toEqual(['backlog', 'queued', 'running', 'merging', 'done', 'failed']);
  });
});
