import { describe, expect, it } from 'vitest';
import { wrap } from '../../src/metrics/render-report.js';

describe('wrap', () => {
  it.each([
    ['a line that fits', 'short line', 20, '    ', ['short line']],
    ['no width', 'a '.repeat(100).trim(), undefined, '    ', ['a '.repeat(100).trim()]],
    ['breaks at spaces with a hanging indent', 'one two three four five six', 14, '  ', ['one two three', '  four five', '  six']],
    ['keeps the line’s own indentation', '  12:00:05  ⚠ ISSUE-1 stalled on worker-2', 26, '      ', ['  12:00:05  ⚠ ISSUE-1', '      stalled on worker-2']],
    ['cuts a word longer than the line', 'id: ' + 'x'.repeat(25), 12, '  ', ['id:', '  xxxxxxxxxx', 'xxxxxxxxxxxx', 'xxx']],
  ])('%s', (_name, line, width, indent, expected) => {
    const lines = wrap(line, width, indent);
    expect(lines).toEqual(expected);
    if (width !== undefined) for (const piece of lines) expect([...piece].length).toBeLessThanOrEqual(width);
  });
});
