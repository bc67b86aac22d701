import { describe, expect, it } from 'vitest';
import { FIELD_CHECKS } from '../../src/config/checks.js';
import { FIELD_PATHS, HARNESS_ENV_VAR, type FieldPath } from '../../src/config/fields.js';
import { parseLayer } from '../../src/config/layers.js';
import { checkEntries, nestFields } from '../../src/config/values.js';

/** Values of every kind, good and bad for one field or another. */
const SAMPLES: unknown[] = [
  null, true, false, 0, -0, -1, 1, 2, 1.5, -1.5, 2 ** 53, 2 ** 53 - 1, NaN, Infinity, Number.MIN_VALUE,
  '', ' ', 'abc', '30s', '1m30s', '-5s', '0', '5', '500ms', 'a "b', 'node x.js --fast', 'shared', 'worktree', 'local', 'pr', 'squash', 'main',
  [], ['a'], ['a', ''], [1], ['../x'], ['/abs'], ['ok/path', 'b'], {}, { a: 1 }, 'x'.repeat(100),
];

describe('checkEntries (env vars and flags, without the schema)', () => {
  it.each(FIELD_PATHS)('agrees with the config file schema on every sample value of %s', (path) => {
    for (const value of SAMPLES) {
      const entries = new Map<FieldPath, unknown>([[path, value]]);
      const label = (p: string) => HARNESS_ENV_VAR(p as FieldPath);
      expect(checkEntries(entries, label), JSON.stringify(value)).toEqual(parseLayer(nestFields(entries), label));
    }
  });

  it('reports every bad field in field order, and keeps the good ones', () => {
    const entries = new Map<FieldPath, unknown>([
      ['agent.command', ''],
      ['maxWorkers', 'many'],
      ['workspace.keep', 'perhaps'],
      ['minWorkers', 2],
      ['retryDelayMs', '2s'],
    ]);
    expect(checkEntries(entries, (path) => `--${path}`)).toEqual({
      values: { minWorkers: 2, retryDelayMs: 2000 },
      problems: [
        '--maxWorkers: expected a positive integer, received "many"',
        '--workspace.keep: expected true or false, received "perhaps"',
        '--agent.command: expected a non-empty array of non-empty strings, or a command line string, received ""',
      ],
    });
  });
});

describe('FIELD_CHECKS', () => {
  it.each<[FieldPath, unknown, unknown]>([
    ['maxWorkers', 2 ** 53 - 1, 2 ** 53 - 1],
    ['workerStallTimeoutMs', '1m30s', 90_000],
    ['workerStallTimeoutMs', 0.4, undefined],
    ['scaleUpThreshold', Number.MIN_VALUE, Number.MIN_VALUE],
    ['workspace.setup', null, null],
    ['merge.verify', 'npm run "unit tests"', ['npm', 'run', 'unit tests']],
    ['merge.target', null, null],
    ['merge.target', '', undefined],
    ['agent.command', ['node', ''], undefined],
    ['workspace.copy', ['a/../../b'], undefined],
  ])('%s: %j → %j', (path, value, expected) => {
    const result = FIELD_CHECKS[path](value);
    expect(result.ok ? result.value : undefined).toEqual(expected);
  });

  it('says what a merge target or push remote must be when it is empty', () => {
    expect(parseLayer({ merge: { target: '', push: '' } }, (path) => path).problems).toEqual([
      'merge.target: expected null or a non-empty string, received ""',
      'merge.push: expected null or a non-empty string, received ""',
    ]);
  });
});
