import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { configValidate } from '../../src/cli/commands/config.js';
import { resolveConfig, validateConfigFile } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { makeIO } from '../helpers/cli.js';
import { json, makeProject, PACKAGE_JSON } from './project.js';

async function problemsOf(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

describe('config files as people write them', () => {
  it.each([
    ['harness.config.json', '\uFEFF' + json({ maxWorkers: 7 })],
    ['harness.config.yaml', '\uFEFFmaxWorkers: 7\n'],
    ['package.json', '\uFEFF' + json({ name: 'p', harness: { maxWorkers: 7 } })],
  ])('accepts %s with a UTF-8 byte order mark, found or named', async (name, contents) => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON, [name]: contents });
    expect((await resolveConfig({ cwd, env: {} })).config.maxWorkers).toBe(7);
    expect((await resolveConfig({ cwd, configPath: name, env: {} })).config.maxWorkers).toBe(7);
    expect(await validateConfigFile(name, cwd)).toEqual([]);
  });

  it('--config <directory> says it is a directory and names the file to pass', async () => {
    const cwd = makeProject({ 'conf/harness.config.yaml': 'maxWorkers: 7\n', 'empty/.keep': '' });
    expect(await problemsOf(resolveConfig({ cwd, configPath: 'conf', env: {} }))).toEqual([
      'conf is a directory, not a config file; pass the file itself, e.g. --config conf/harness.config.yaml',
    ]);
    const [problem] = await problemsOf(resolveConfig({ cwd, configPath: 'empty', env: {} }));
    expect(problem).toMatch(/^empty is a directory, not a config file; pass the file itself, e\.g\. --config empty\/harness\.config\.json \(a \.json, \.yaml/);
    expect(problem).not.toMatch(/YAML/);
  });

  it('treats a config of null by one rule in run and in config validate: no settings', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON, 'harness.config.json': 'null\n', 'other.yaml': 'null\n' });
    // Found by the search: passed over, as an empty file is.
    expect((await resolveConfig({ cwd, env: {} })).config.maxWorkers).toBe(30);
    expect((await configValidate({ cwd, env: {} })).output).toMatch(/^no config file found/);
    // Named: a file without settings, so the defaults.
    for (const file of ['harness.config.json', 'other.yaml']) {
      expect((await resolveConfig({ cwd, configPath: file, env: {} })).config.maxWorkers).toBe(30);
      expect((await configValidate({ cwd, file, env: {} })).output).toBe(`✓ ${file}: valid`);
    }
  });

  it('refuses 200,000 levels of nesting with a configuration error, exit 2', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON, 'deep.json': `{"maxWorkers": ${deep(200_000)}}`, 'sub/package.json': PACKAGE_JSON, 'sub/harness.config.json': `{"agent": {"command": ${deep(200_000)}}}` });
    expect(await validateConfigFile('deep.json', cwd)).toEqual([
      'deep.json is nested more than 100 levels deep; settings are at most two levels deep (such as agent.command)',
    ]);
    expect(await problemsOf(resolveConfig({ cwd: path.join(cwd, 'sub'), env: {} }))).toEqual([
      'harness.config.json is nested more than 100 levels deep; settings are at most two levels deep (such as agent.command)',
    ]);
    const t = makeIO(cwd);
    expect(await main(['config', 'validate', 'deep.json'], t.io)).toBe(2);
    expect(await main(['run', '--config', 'deep.json', '--issues', 'none.jsonl'], t.io)).toBe(2);
    expect(t.stderr()).not.toMatch(/Maximum call stack/);
  });

  it.each([
    ['stallTimeout', 'workerStallTimeoutMs', '--stall-timeout'],
    ['cooldown', 'scaleCooldownMs', '--cooldown'],
    ['health-interval', 'healthCheckIntervalMs', '--health-interval'],
    ['--retry-delay', 'retryDelayMs', '--retry-delay'],
    ['worktrees', 'workspace.mode', '--worktrees'],
  ])('a key spelt like a flag (%s) suggests the field', async (key, field, flag) => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON, 'harness.config.json': json({ [key]: '5s' }) });
    expect(await validateConfigFile('harness.config.json', cwd)).toEqual([
      `${key}: unknown field; did you mean "${field}"? (${flag} is the flag; in a config file the field is ${field})`,
    ]);
  });

  it('keeps the nearest-name suggestion for other unknown keys', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON, 'harness.config.json': json({ maxWorker: 3 }) });
    expect(await validateConfigFile('harness.config.json', cwd)).toEqual(['maxWorker: unknown field; did you mean "maxWorkers"?']);
  });
});
