import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/open.js';
import { fixture, guardProcesses, makeIO, tempDir } from '../helpers/cli.js';

const FAST = ['--min-workers', '2', '--max-workers', '4', '--health-interval', '100ms', '--cooldown', '200ms', '--retry-delay', '50ms', '--kill-grace', '300ms'];

/** Any control character but the newline that ends a line. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const { cleanups, markers } = guardProcesses();

function setup(lines: string[]) {
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  const file = join(tmp.dir, 'issues.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  const t = makeIO(tmp.dir);
  markers.push(t.marker);
  return { dir: tmp.dir, file, t };
}

const FORGED = 'forge\n✓ forged attempt 1 success in 1ms';
const CLEAR = 'clear\u001b[2J\u001b[H';
const HOSTILE: { id: string; title: string }[] = [
  { id: FORGED, title: 'a newline in the id' },
  { id: CLEAR, title: 'sets the window title \u001b]0;owned\u0007' },
  { id: 'c1\u009b31m', title: 'C1 controls \u009d0;x\u009c' },
  { id: 'bidi\u202Eevil', title: 'DEL \u007f' },
  { id: '__proto__', title: 'a name objects have' },
  { id: 'x'.repeat(3000), title: 'a long id' },
  { id: '../../etc/passwd', title: 'a path' },
];

describe('hostile issue ids and titles', () => {
  it('run to the end, and every line printed about them is one line without control characters', async () => {
    const lines = [...HOSTILE.map((i) => JSON.stringify(i)), '{"id": 12345678901234567890123, "title": "an integer id above 2^53"}'];
    const { dir, file, t } = setup(lines);
    const code = await main(['run', '--issues', file, '--agent', fixture('fail-then-succeed.mjs'), ...FAST], t.io);
    expect(code).toBe(0);
    const out = t.stdout();
    expect(out).not.toMatch(CONTROL);
    // One success line per issue: the id with a newline did not forge another.
    expect(out.split('\n').filter((line) => line.startsWith('✓ '))).toHaveLength(HOSTILE.length + 1);
    expect(out).toContain('✓ forge\\n✓ forged attempt 1 success in 1ms attempt 2 success');
    expect(out).toContain('clear\\e[2J\\e[H attempt 1 failure');

    const store = openStore(join(dir, '.harness', 'state.db'));
    try {
      const ids = store.listIssues().map((i) => i.id);
      expect(ids).toContain('12345678901234567890123');
      expect(ids).toContain(FORGED);
      expect(store.listIssues().every((i) => i.status === 'done')).toBe(true);
    } finally {
      store.close();
    }

    const issue = makeIO(dir);
    expect(await main(['metrics', '--issue', CLEAR], issue.io)).toBe(0);
    expect(issue.stdout()).not.toMatch(CONTROL);
    expect(issue.stdout()).toContain('issue clear\\e[2J\\e[H: sets the window title \\e]0;owned\\x07');
    const report = makeIO(dir);
    expect(await main(['metrics'], report.io)).toBe(0);
    expect(report.stdout()).not.toMatch(CONTROL);
  });

  it('an id with a lone UTF-16 surrogate is refused at intake, naming the line and field, and nothing runs', async () => {
    const { dir, file, t } = setup(['{"id":"fine","title":"t"}', '{"id":"bad\\ud800","title":"t"}']);
    const code = await main(['run', '--issues', file, '--agent', fixture('succeed.mjs'), ...FAST], t.io);
    expect(code).toBe(2);
    expect(t.stderr()).toMatch(/line 2: id: holds an unpaired UTF-16 surrogate \(\\ud800 at character 4\)/);
    expect(existsSync(join(dir, '.harness', 'state.db'))).toBe(false);
  });

  it('error messages that quote input escape its control characters', async () => {
    const { t } = setup(['{"id":"a","title":"t"}']);
    expect(await main(['load-test', '--time-scale', '\u001b]0;owned\u0007'], t.io)).toBe(2);
    expect(await main(['metrics', '--state', 'no\u001b[2Jwhere.db'], t.io)).toBe(2);
    expect(await main(['run', '--bogus\u001b[31m'], t.io)).toBe(2);
    expect(t.stderr()).not.toMatch(CONTROL);
    expect(t.stderr()).toContain('received "\\e]0;owned\\x07"');
  });
});
