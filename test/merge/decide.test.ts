import { describe, expect, it } from 'vitest';
import { conflictReason, decideAfterRejection, type RejectionInput } from '../../src/merge/decide.js';

describe('decideAfterRejection', () => {
  it.each<[string, RejectionInput, ReturnType<typeof decideAfterRejection>]>([
    [
      'a conflict with attempts left requeues at once and restarts the branch',
      { kind: 'conflict', attempts: 1, maxAttempts: 3, reason: 'conflict with main in a.txt' },
      { transition: { status: 'queued', notBefore: null, lastError: 'conflict with main in a.txt' }, resetBranch: true },
    ],
    [
      'a red verify with attempts left does the same',
      { kind: 'verify', attempts: 2, maxAttempts: 3, reason: 'verify (npm test) exit code 1; log: /l' },
      { transition: { status: 'queued', notBefore: null, lastError: 'verify (npm test) exit code 1; log: /l' }, resetBranch: true },
    ],
    [
      'the last attempt fails the issue, naming the cause, and keeps the branch',
      { kind: 'conflict', attempts: 3, maxAttempts: 3, reason: 'conflict with main in a.txt' },
      {
        transition: { status: 'failed', notBefore: null, lastError: 'merge conflict after 3 attempts: conflict with main in a.txt' },
        resetBranch: false,
      },
    ],
    [
      'one allowed attempt: a red verify fails at once',
      { kind: 'verify', attempts: 1, maxAttempts: 1, reason: 'verify (make) exit code 2; log: /l' },
      {
        transition: { status: 'failed', notBefore: null, lastError: 'verify failed after 1 attempt: verify (make) exit code 2; log: /l' },
        resetBranch: false,
      },
    ],
    [
      'a git failure counts like the others',
      { kind: 'error', attempts: 5, maxAttempts: 3, reason: 'branch harness/x no longer exists' },
      {
        transition: { status: 'failed', notBefore: null, lastError: 'merge failed after 5 attempts: branch harness/x no longer exists' },
        resetBranch: false,
      },
    ],
  ])('%s', (_name, input, expected) => {
    expect(decideAfterRejection(input)).toEqual(expected);
  });
});

describe('conflictReason', () => {
  it.each<[string[], string]>([
    [['a.txt'], 'conflict with main in a.txt'],
    [['a.txt', 'src/b.ts'], 'conflict with main in a.txt, src/b.ts'],
    [Array.from({ length: 12 }, (_, i) => `f${i}`), 'conflict with main in f0, f1, f2, f3, f4, f5, f6, f7, f8, f9 and 2 more'],
  ])('%j', (files, expected) => {
    expect(conflictReason('main', files)).toBe(expected);
  });
});
