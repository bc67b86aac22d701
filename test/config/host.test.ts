import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { configShow } from '../../src/cli/commands/config.js';
import { addConfigFlags, flagsToOverrides, runOnlyFlagProblems } from '../../src/config/flags.js';
import { resolveConfig } from '../../src/config/load.js';
import { describeIssues } from '../../src/config/normalise.js';
import { configFileSchema } from '../../src/config/schema.js';
import { parseSize } from '../../src/config/size.js';
import { ConfigError } from '../../src/errors.js';
import { json, makeProject, PACKAGE_JSON } from './project.js';

function problemsOf(input: unknown): string[] {
  const result = configFileSchema.safeParse(input);
  return result.success ? [] : describeIssues(result.error.issues, input, (path) => path || 'file');
}

const LOAD = 'null or a positive number (the 1-minute load average, e.g. 6 or 7.5)';
const SIZE = 'null or a positive size: bytes, or a number with a unit such as "512MB", "2GB" or "1GiB"';

describe('parseSize', () => {
  it.each<[string | number, number]>([
    [2_000_000_000, 2_000_000_000],
    ['2000000000', 2_000_000_000],
    ['512MB', 512_000_000],
    ['2GB', 2_000_000_000],
    ['2 gb', 2_000_000_000],
    ['1.5GB', 1_500_000_000],
    ['1GiB', 1024 ** 3],
    ['512 MiB', 512 * 1024 ** 2],
    ['64KB', 64_000],
    ['1TiB', 1024 ** 4],
    ['100B', 100],
  ])('%j is %i bytes', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  it.each(['', '2G', '2 GBs', '-1GB', 'lots', 'GB', '1e9'])('refuses %j', (input) => {
    expect(() => parseSize(input)).toThrow(/invalid size/);
  });
});

describe('host limits in a config file', () => {
  it('takes a load average and a size string, and keeps null as no limit', () => {
    expect(configFileSchema.parse({ host: { maxLoad: 6.5, minFreeMemory: '2GB' } }).host).toEqual({ maxLoad: 6.5, minFreeMemory: 2_000_000_000 });
    expect(configFileSchema.parse({ host: { maxLoad: null, minFreeMemory: 1_000_000 } }).host).toEqual({ maxLoad: null, minFreeMemory: 1_000_000 });
  });

  it.each<[unknown, string]>([
    [{ host: { maxLoad: 0 } }, `host.maxLoad: expected ${LOAD}, received 0`],
    [{ host: { maxLoad: -2 } }, `host.maxLoad: expected ${LOAD}, received -2`],
    [{ host: { maxLoad: '6' } }, `host.maxLoad: expected ${LOAD}, received "6"`],
    [{ host: { minFreeMemory: '2G' } }, `host.minFreeMemory: expected ${SIZE}, received "2G"`],
    [{ host: { minFreeMemory: 0 } }, `host.minFreeMemory: expected ${SIZE}, received 0`],
    [{ host: { minFreeMemory: true } }, `host.minFreeMemory: expected ${SIZE}, received true`],
    [{ host: 6 }, 'host: expected an object of host limits ("maxLoad", "minFreeMemory"), received 6'],
  ])('%j is refused: %s', (input, problem) => {
    expect(problemsOf(input)).toEqual([problem]);
  });

  it('names the known limits for an unknown one', () => {
    expect(problemsOf({ host: { maxload: 4 } })).toEqual([expect.stringMatching(/^host\.maxload: unknown field; did you mean "host\.maxLoad"\?/)]);
  });
});

describe('host limits from the environment and flags', () => {
  const parse = (argv: string[]) => addConfigFlags(new Command('run').exitOverride()).parse(argv, { from: 'user' }).opts();

  it('reads both flags, the flag over the env var, each with its source', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON });
    const flags = flagsToOverrides(parse(['--host-max-load', '7.5', '--host-min-free-memory', '512MiB']));
    const resolved = await resolveConfig({ cwd, env: { HARNESS_HOST_MAX_LOAD: '3' }, flags });
    expect(resolved.config.host).toEqual({ maxLoad: 7.5, minFreeMemory: 512 * 1024 ** 2 });
    expect(resolved.sources['host.maxLoad']).toEqual({ kind: 'flag', flag: '--host-max-load' });
    expect(resolved.sources['host.minFreeMemory']).toEqual({ kind: 'flag', flag: '--host-min-free-memory' });
  });

  it('reports bad values under the names the user wrote', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON });
    const flags = flagsToOverrides(parse(['--host-min-free-memory', 'plenty']));
    const error = await resolveConfig({ cwd, env: { HARNESS_HOST_MAX_LOAD: 'high' }, flags }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      `HARNESS_HOST_MAX_LOAD: expected ${LOAD}, received "high"`,
      `--host-min-free-memory: expected ${SIZE}, received "plenty"`,
    ]);
  });

  it('are flags of harness run only: the load test says why it refuses them', () => {
    const opts = addConfigFlags(new Command('load-test').exitOverride(), { refuseRunOnly: true }).parse(['--host-max-load', '4'], { from: 'user' }).opts();
    expect(runOnlyFlagProblems(opts)).toEqual([expect.stringMatching(/^--host-max-load is a flag of `harness run`: .*load no machine.*; drop it$/)]);
  });
});

describe('config show', () => {
  it('lists both limits, null as no limit and a size in human form too', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON, 'harness.config.json': json({ host: { minFreeMemory: '2GB' } }) });
    const { output } = await configShow({ cwd, env: {}, flags: {}, json: false });
    const rows = output.split('\n').filter((line) => line.startsWith('host.'));
    expect(rows.map((row) => row.split(/\s{2,}/))).toEqual([
      ['host.maxLoad', 'null (no limit)', 'default'],
      ['host.minFreeMemory', '2000000000 (2 GB)', 'harness.config.json'],
    ]);
  });
});
