import { describe, expect, it } from 'vitest';
import { configShow, configValidate } from '../../src/cli/commands/config.js';
import { resolveConfig } from '../../src/config/load.js';
import { describeIssues } from '../../src/config/normalise.js';
import { configFileSchema } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';
import { json, makeProject, PACKAGE_JSON } from './project.js';

function problemsOf(input: unknown): string[] {
  const result = configFileSchema.safeParse(input);
  return result.success ? [] : describeIssues(result.error.issues, input, (path) => path || 'file');
}

const COMMAND = 'null, a non-empty array of non-empty strings, or a command line string';

describe('hooks in a config file', () => {
  it('takes an argv or a command line for each hook, and a duration for the timeout', () => {
    const result = configFileSchema.parse({
      hooks: { afterCreate: ['npm', 'ci'], beforeRun: "git fetch --quiet 'my remote'", afterRun: null, timeoutMs: '90s' },
    });
    expect(result.hooks).toEqual({ afterCreate: ['npm', 'ci'], beforeRun: ['git', 'fetch', '--quiet', 'my remote'], afterRun: null, timeoutMs: 90_000 });
  });

  it.each<[unknown, string]>([
    [{ hooks: { beforeRun: 5 } }, `hooks.beforeRun: expected ${COMMAND}, received 5`],
    [{ hooks: { afterRun: { run: 'x' } } }, `hooks.afterRun: expected ${COMMAND}, received {"run":"x"}`],
    [{ hooks: { afterCreate: [] } }, `hooks.afterCreate: expected ${COMMAND}, received []`],
    [{ hooks: { beforeRemove: '' } }, `hooks.beforeRemove: expected ${COMMAND}, received ""`],
    [{ hooks: { beforeRemove: ['rm', ''] } }, `hooks.beforeRemove: expected ${COMMAND}, received ["rm",""]`],
    [{ hooks: { beforeRun: 'echo "unclosed' } }, 'hooks.beforeRun: expected a command line with matching quotes, received "echo \\"unclosed"'],
    [{ hooks: { timeoutMs: 0 } }, 'hooks.timeoutMs: expected a positive duration (milliseconds, or e.g. "30s", "10m", "1h"), received 0'],
    [{ hooks: ['npm', 'ci'] }, 'hooks: expected an object of hooks ("afterCreate", "beforeRun", "afterRun", "beforeRemove", "timeoutMs"), received ["npm","ci"]'],
  ])('%j is refused: %s', (input, problem) => {
    expect(problemsOf(input)).toEqual([problem]);
  });

  it('names the known hooks for an unknown one', () => {
    expect(problemsOf({ hooks: { beforeRunn: ['x'] } })).toEqual([expect.stringMatching(/^hooks\.beforeRunn: unknown field; did you mean "hooks\.beforeRun"\?/)]);
  });

  it('reports a bad hook from the environment under its variable', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON });
    const error = await resolveConfig({ cwd, env: { HARNESS_HOOKS_BEFORE_RUN: "it's", HARNESS_HOOKS_TIMEOUT_MS: 'soon' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      `HARNESS_HOOKS_BEFORE_RUN: expected a command line with matching quotes, received "it's"`,
      'HARNESS_HOOKS_TIMEOUT_MS: expected a positive duration (milliseconds, or e.g. "30s", "10m", "1h"), received "soon"',
    ]);
  });

  it('config validate lists every bad hook at once', async () => {
    const cwd = makeProject({ 'harness.config.json': json({ hooks: { beforeRun: [], afterRun: 7 } }) });
    const error = await configValidate({ cwd, env: {}, file: 'harness.config.json' }).catch((e: unknown) => e);
    expect((error as ConfigError).problems).toEqual([`hooks.beforeRun: expected ${COMMAND}, received []`, `hooks.afterRun: expected ${COMMAND}, received 7`]);
  });
});

describe('config show', () => {
  it('lists every hook with its value and source, and the timeout in human form', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON, 'harness.config.json': json({ hooks: { beforeRun: ['make', 'db'], timeoutMs: '2m' } }) });
    const { output } = await configShow({ cwd, env: { HARNESS_HOOKS_AFTER_RUN: 'scripts/report.sh --quiet' }, flags: {}, json: false });
    const rows = output.split('\n').filter((line) => line.startsWith('hooks.'));
    expect(rows.map((row) => row.split(/\s{2,}/))).toEqual([
      ['hooks.afterCreate', 'null (none)', 'default'],
      ['hooks.beforeRun', '["make","db"]', 'harness.config.json'],
      ['hooks.afterRun', '["scripts/report.sh","--quiet"]', 'env HARNESS_HOOKS_AFTER_RUN'],
      ['hooks.beforeRemove', 'null (none)', 'default'],
      ['hooks.timeoutMs', '120000 (2m)', 'harness.config.json'],
    ]);
  });

  it('shows the worker workspace mode', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON, 'harness.config.json': json({ workspace: 'worker' }) });
    const { output } = await configShow({ cwd, env: {}, flags: {}, json: true });
    expect(JSON.parse(output).config.workspace.mode).toBe('worker');
  });
});
