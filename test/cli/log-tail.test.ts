import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLogTail } from '../../src/agents/log-tail.js';
import { describeFailures, renderFailureDetail } from '../../src/cli/render/log-tail.js';
import { terminalSafe, terminalSafeText } from '../../src/text/escape.js';
import type { SessionRow } from '../../src/store/types.js';
import { tempDir } from '../helpers/cli.js';

const temps: { cleanup(): void }[] = [];
afterEach(() => temps.splice(0).forEach((t) => t.cleanup()));
function dir(): string {
  const t = tempDir('harness-tail-');
  temps.push(t);
  return t.dir;
}

describe('terminalSafe on agent output', () => {
  it.each([
    ['plain text, ünïcødé 🚀', 'plain text, ünïcødé 🚀'],
    ['\u001b[2J\u001b]0;title\u0007', '\\e[2J\\e]0;title\\x07'],
    ['a\nb\tc\r', 'a\\nb\\tc\\r'],
    ['\u009b31m C1 CSI, DEL \u007f', '\\x9b31m C1 CSI, DEL \\x7f'],
    ['bidi \u202e reversed \u2066 and \u2028 separator', 'bidi \\u202e reversed \\u2066 and \\u2028 separator'],
  ])('%j → %j', (text, escaped) => expect(terminalSafe(text)).toBe(escaped));

  it('keeps newlines and tabs when the layout is kept', () => {
    expect(terminalSafeText('a\nb\tc\u001b[0m')).toBe('a\nb\tc\\e[0m');
  });
});

describe('readLogTail', () => {
  it('gives the last non-blank lines, CRLF or not', () => {
    const path = join(dir(), 'a.log');
    writeFileSync(path, 'one\r\ntwo\n\n   \nthree\nfour\n');
    expect(readLogTail(path, 3)).toEqual(['two', 'three', 'four']);
    expect(readLogTail(path, 10)).toEqual(['one', 'two', 'three', 'four']);
  });

  it('reads only the end of a large log, dropping the line it cut', () => {
    const path = join(dir(), 'big.log');
    writeFileSync(path, `${'x'.repeat(70 * 1024)}\n${Array.from({ length: 3000 }, (_, i) => `line ${i}`).join('\n')}\n`);
    const tail = readLogTail(path, 5)!;
    expect(tail).toEqual(['line 2995', 'line 2996', 'line 2997', 'line 2998', 'line 2999']);
    expect(readLogTail(path, 100_000)!.every((line) => line.startsWith('line '))).toBe(true);
  });

  it('is null for a log that cannot be read, empty for an empty one', () => {
    expect(readLogTail(join(dir(), 'missing.log'), 5)).toBeNull();
    const empty = join(dir(), 'empty.log');
    writeFileSync(empty, '');
    expect(readLogTail(empty, 5)).toEqual([]);
  });
});

describe('describeFailures and renderFailureDetail', () => {
  const session = (attempt: number, logPath: string | null): SessionRow =>
    ({ id: `s${attempt}`, issueId: 'A', workerId: 'w', attempt, pid: null, pgid: null, startedAt: attempt, lastProgressAt: attempt, endedAt: attempt + 1, outcome: 'failure', exitCode: 1, signal: null, logPath, reason: null }) as SessionRow;

  it('takes the latest session’s log, escapes and cuts its lines, and renders them under the failure', () => {
    const root = dir();
    const log = join(root, 'logs', 'A', '2.log');
    mkdirSync(join(root, 'logs', 'A'), { recursive: true });
    writeFileSync(log, `first\n\u001b[31mred\u001b[0m\n${'y'.repeat(500)}\n`);
    const [detail] = describeFailures([{ id: 'A', reason: 'failure after 2 attempts: exit code 1' }], () => [session(1, join(root, 'old.log')), session(2, log), session(3, null)]);
    expect(detail).toMatchObject({ id: 'A', log, logTail: ['first', '\\e[31mred\\e[0m', `${'y'.repeat(239)}…`] });
    expect(renderFailureDetail(detail!, root)).toEqual([
      '    log: logs/A/2.log, last 3 line(s):',
      '      | first',
      '      | \\e[31mred\\e[0m',
      `      | ${'y'.repeat(239)}…`,
    ]);
    const [none] = describeFailures([{ id: 'B', reason: null }], () => []);
    expect(none).toEqual({ id: 'B', reason: null, log: null, logTail: [] });
    expect(renderFailureDetail(none!, root)).toEqual([]);
  });
});
