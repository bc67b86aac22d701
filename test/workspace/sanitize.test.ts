import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sanitizeIssueId } from '../../src/workspace/sanitize.js';

const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function acceptedByGit(name: string): boolean {
  try {
    execFileSync('git', ['check-ref-format', '--branch', `harness/${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('sanitizeIssueId', () => {
  it.each(['PROJ-12', 'bd-a1b2', '42', 'v1.2_fix'])('keeps the safe id %s unchanged', (id) => {
    expect(sanitizeIssueId(id)).toBe(id);
  });

  it.each([
    ['a/b', /^a-b-[0-9a-f]{10}$/],
    ['a b', /^a-b-[0-9a-f]{10}$/],
    ['../x', /^x-[0-9a-f]{10}$/],
    ['-x', /^x-[0-9a-f]{10}$/],
    ['x.lock', /^x-[0-9a-f]{10}$/],
    ['', /^issue-[0-9a-f]{10}$/],
    ['ünïcødé', /^n-c-d-[0-9a-f]{10}$/],
    ['@{u}', /^u-[0-9a-f]{10}$/],
    ['///', /^issue-[0-9a-f]{10}$/],
  ])('rewrites %j', (id, expected) => {
    expect(sanitizeIssueId(id)).toMatch(expected);
  });

  it('keeps ids that differ only in replaced characters apart', () => {
    expect(sanitizeIssueId('a/b')).not.toBe(sanitizeIssueId('a b'));
    expect(sanitizeIssueId('a/b')).not.toBe(sanitizeIssueId('a-b'));
  });

  it('is stable', () => {
    expect(sanitizeIssueId('feature/login page')).toBe(sanitizeIssueId('feature/login page'));
  });

  it('shortens long ids and keeps them distinct', () => {
    const a = sanitizeIssueId('x'.repeat(100));
    const b = sanitizeIssueId(`${'x'.repeat(99)}y`);
    expect(a.length).toBeLessThanOrEqual(60);
    expect(a).not.toBe(b);
  });

  it.each(['../x', 'a/b', 'a b', 'ünïcødé', '-x', 'x.lock', '@{u}', '~^:?*[\\', '.hidden', 'a..b', 'x.', 'HEAD', '\u0000\u001f\u007f', '@'])(
    'gives git a valid branch name for %j',
    (id) => {
      expect(acceptedByGit(sanitizeIssueId(id))).toBe(true);
    },
  );

  it('always returns a safe, bounded, idempotent name', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (id) => {
        const name = sanitizeIssueId(id);
        expect(name).toMatch(SAFE);
        expect(name).not.toContain('..');
        expect(name.endsWith('.lock')).toBe(false);
        expect(name.length).toBeLessThanOrEqual(60);
        expect(sanitizeIssueId(name)).toBe(name);
      }),
      { numRuns: 2000 },
    );
  });

  it('produces names git accepts as branches (sampled)', () => {
    const samples = fc.sample(fc.string({ unit: fc.constantFrom('.', '-', '/', '@', '{', '}', 'a', 'Z', '~', ' ', 'ü', '\\', '*', '[', ':'), maxLength: 20 }), {
      numRuns: 40,
      seed: 7,
    });
    for (const id of samples) expect(acceptedByGit(sanitizeIssueId(id)), id).toBe(true);
  });
});
