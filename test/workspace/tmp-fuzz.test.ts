import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { it, expect } from 'vitest';
import { sanitizeIssueId } from '../../src/workspace/sanitize.js';
it('fuzz', () => {
  const seen = new Map<string, string>();
  fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: fc.constantFrom('.', '-', '_', '/', 'a', 'l','o','c','k', '@', '{'), maxLength: 80 })), (id) => {
    const n = sanitizeIssueId(id);
    expect(n).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
    expect(n).not.toContain('..');
    expect(n.endsWith('.lock')).toBe(false);
    expect(n.endsWith('.')).toBe(false);
    expect(n.length).toBeLessThanOrEqual(60);
    const prev = seen.get(n);
    if (prev !== undefined) expect(prev).toBe(id);
    seen.set(n, id);
  }), { numRuns: 200000 });
  const names = [...seen.keys()].slice(0, 3000);
  const out = execFileSync('sh', ['-c', 'while read -r n; do git check-ref-format --branch "harness/$n" >/dev/null || echo "BAD $n"; done'], { input: names.join('\n') + '\n', encoding: 'utf8' });
  expect(out).toBe('');
}, 120000);
