import { describe, expect, it } from 'vitest';
import { terminalSafe, terminalSafeLines } from '../../src/text/escape.js';

describe('terminalSafe', () => {
  it.each([
    ['a newline that would forge a second event line', 'a\n✓ forged attempt 1 success', 'a\\n✓ forged attempt 1 success'],
    ['a carriage return that would overwrite the line', 'ok\rFAIL', 'ok\\rFAIL'],
    ['a tab', 'a\tb', 'a\\tb'],
    ['a clear-screen sequence', '\u001b[2J\u001b[H', '\\e[2J\\e[H'],
    ['a window-title sequence ended by BEL', '\u001b]0;owned\u0007', '\\e]0;owned\\x07'],
    ['NUL and DEL', 'a\u0000b\u007f', 'a\\x00b\\x7f'],
    ['a C1 control sequence introducer', '\u009b31m', '\\x9b31m'],
    ['a C1 operating system command', '\u009d0;t\u009c', '\\x9d0;t\\x9c'],
    ['a right-to-left override', 'abc\u202Efed', 'abc\\u202efed'],
    ['a line separator', 'a\u2028b', 'a\\u2028b'],
  ])('escapes %s', (_name, input, expected) => {
    expect(terminalSafe(input)).toBe(expected);
  });

  it('leaves ordinary text, accents, CJK and emoji alone', () => {
    const text = 'PROJ-12 café 修正 \u{1F600} → done · 100%';
    expect(terminalSafe(text)).toBe(text);
  });

  it('never lets a control character through, whatever the input', () => {
    let all = '';
    for (let code = 0; code < 0x3000; code++) all += String.fromCharCode(code);
    expect(terminalSafe(all)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
  });
});

describe('terminalSafeLines', () => {
  it('keeps the line breaks of a message and escapes everything else', () => {
    expect(terminalSafeLines('problems:\n  - id "\u001b[2J"\n  - title\r')).toBe('problems:\n  - id "\\e[2J"\n  - title\\r');
  });
});
