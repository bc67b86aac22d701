import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseIssues, readIssuesFile } from '../../src/sources/issues-file.js';
import { tempDir } from '../helpers/cli.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function dir(): string {
  const tmp = tempDir('harness-issues-');
  cleanups.push(tmp.cleanup);
  return tmp.dir;
}

function readError(path: string): InputError {
  try {
    readIssuesFile(path);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

describe('parseIssues', () => {
  it.each([
    ['a lone high surrogate in an id', '{"id":"bad\\ud800","title":"t"}', /^line 1: id: holds an unpaired UTF-16 surrogate \(\\ud800 at character 4\)/],
    ['a lone low surrogate in a title', '{"id":"a","title":"x\\udc00y"}', /^line 1: title: holds an unpaired UTF-16 surrogate \(\\udc00 at character 2\)/],
    ['a lone surrogate in a body', '{"id":"a","title":"t","body":"\\ud83d"}', /^line 1: body: holds an unpaired/],
    ['a lone surrogate in a label', '{"id":"a","title":"t","labels":["ok","\\udfff"]}', /^line 1: labels\.1: holds an unpaired/],
    ['priority 1e400', '{"id":"a","title":"t","priority":1e400}', /^line 1: priority: expected an integer ≥ 0 \(0 is the most urgent\), received a number too large to hold/],
    ['priority above 2^53', '{"id":"a","title":"t","priority":1e300}', /^line 1: priority: .*received 1e\+300, above the largest exact integer/],
    ['an id of 1e400', '{"id":1e400,"title":"t"}', /^line 1: id: the number is too large to hold; write the id as a string$/],
    ['an id above 2^53 in exponent form', '{"id":1e25,"title":"t"}', /^line 1: id: 1e\+25 is above 2\^53 and cannot be kept exactly/],
    ['200,000 levels of nesting in a field', `{"id":"a","title":"t","labels":${deep(200_000)}}`, /^line 1: nested more than 100 levels deep/],
    ['a JSON array file nested 200,000 deep', `[${deep(200_000)}]`, /^item 1: expected an object like .*received a deeply nested array$/],
    ['an object holding the list under a key', '{"issues":[{"id":"a","title":"t"}]}', /^expected one \{"id": …, "title": …\} object per line .*received one object that holds a list under "issues": pass that list instead, e\.g\. `jq "\.issues" file > issues\.json`$/],
    [
      'a pretty-printed object holding the list',
      '{\n  "count": 1,\n  "items": [\n    {"id": "a", "title": "t"}\n  ]\n}\n',
      /received one object that holds a list under "items"/,
    ],
  ])('rejects %s with a message naming the line and field', (_name, text, message) => {
    const parsed = parseIssues(text);
    expect(parsed.issues).toEqual([]);
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]).toMatch(message);
  });

  it('accepts characters outside the BMP, which JSON writes as a surrogate pair', () => {
    const parsed = parseIssues('{"id":"smile-\\ud83d\\ude00","title":"\u{1F600}"}');
    expect(parsed.problems).toEqual([]);
    expect(parsed.issues[0]!.id).toBe('smile-\u{1F600}');
  });

  it('strips a UTF-8 byte order mark, in JSON Lines and in a JSON array', () => {
    expect(parseIssues('\uFEFF{"id":"a","title":"t"}\n{"id":"b","title":"t"}\n').issues.map((i) => i.id)).toEqual(['a', 'b']);
    expect(parseIssues('\uFEFF[{"id":"a","title":"t"}]').issues.map((i) => i.id)).toEqual(['a']);
  });

  it('keeps the digits of an integer id above 2^53 exactly as written', () => {
    const parsed = parseIssues(
      [
        '{"id": 12345678901234567890123, "title": "one"}',
        '{"title": "two", "id":12345678901234567890124}',
        '[{"id": 9007199254740993, "title": "three"}]',
      ].join('\n'),
    );
    // The third line is not an object; the first two are distinct issues with their own digits.
    expect(parsed.issues.map((i) => i.id)).toEqual(['12345678901234567890123', '12345678901234567890124']);
    const array = parseIssues('[{"id": 9007199254740993, "title": "t"}, {"id": -90071992547409930, "title": "t"}]');
    expect(array.issues.map((i) => i.id)).toEqual(['9007199254740993', '-90071992547409930']);
  });

  it('leaves strings that look like large ids alone, and small numeric ids as they were', () => {
    const parsed = parseIssues('{"id": 7, "title": "\\"id\\": 12345678901234567890", "body": "id: 12345678901234567890"}');
    expect(parsed.issues[0]).toMatchObject({ id: '7', title: '"id": 12345678901234567890', body: 'id: 12345678901234567890' });
  });
});

describe('readIssuesFile', () => {
  it('says a missing path is not found and a directory is a directory, with what to pass', () => {
    const d = dir();
    expect(readError(join(d, 'nope.jsonl')).message).toMatch(/^issues file not found: .*nope\.jsonl; pass --issues <file> with one \{"id"/);
    mkdirSync(join(d, 'folder'));
    expect(readError(join(d, 'folder')).message).toMatch(/folder is a directory, not an issues file; pass --issues <file> with one/);
  });

  it('says an empty file holds no issues', () => {
    const d = dir();
    for (const [name, text] of [['empty.jsonl', ''], ['blank.jsonl', '\n  \n'], ['array.json', '[]']] as const) {
      writeFileSync(join(d, name), text);
      expect(readError(join(d, name)).message).toMatch(new RegExp(`${name} holds no issues: write one \\{"id"`));
    }
  });

  it('gives a binary file a short message instead of its bytes', () => {
    const d = dir();
    const bytes = Buffer.alloc(64 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
    writeFileSync(join(d, 'image.png'), bytes);
    const message = readError(join(d, 'image.png')).message;
    expect(message).toMatch(/image\.png cannot be an issues file: it holds a NUL byte at offset \d+, so it looks like a binary file; pass --issues/);
    expect(message.length).toBeLessThan(400);
  });

  it('names UTF-16 and invalid UTF-8 for what they are', () => {
    const d = dir();
    writeFileSync(join(d, 'utf16.jsonl'), Buffer.from('\uFEFF{"id":"a","title":"t"}', 'utf16le'));
    expect(readError(join(d, 'utf16.jsonl')).message).toMatch(/it is UTF-16 text; save it as UTF-8/);
    writeFileSync(join(d, 'latin1.jsonl'), Buffer.concat([Buffer.from('{"id":"a","title":"caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]));
    expect(readError(join(d, 'latin1.jsonl')).message).toMatch(/it is not valid UTF-8 \(the first bad byte is at offset 22\)/);
  });

  it('lists at most twenty problems and counts the rest', () => {
    const d = dir();
    writeFileSync(join(d, 'prose.txt'), 'not json\n'.repeat(500));
    const error = readError(join(d, 'prose.txt'));
    expect(error.message).toMatch(/500 invalid record\(s\)/);
    expect(error.message.split('\n')).toHaveLength(22);
    expect(error.message).toMatch(/… and 480 more$/);
  });
});
