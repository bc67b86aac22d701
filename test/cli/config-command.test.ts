import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configInit, configShow, configValidate } from '../../src/cli/commands/config.js';
import { validateConfigFile } from '../../src/config/load.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import { json, makeProject, PACKAGE_JSON } from '../config/project.js';

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the command to fail');
    },
    (error: unknown) => error,
  );
}

describe('configShow', () => {
  it('reports HARNESS_MAX_WORKERS=12 as coming from env in JSON', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON });
    const { output } = await configShow({ cwd, env: { HARNESS_MAX_WORKERS: '12' }, flags: {}, json: true });
    const shown = JSON.parse(output);
    expect(shown.config.maxWorkers).toBe(12);
    expect(shown.sources.maxWorkers).toEqual({ kind: 'env', variable: 'HARNESS_MAX_WORKERS' });
    expect(shown.sources.minWorkers).toEqual({ kind: 'default' });
    expect(shown.file).toBeNull();
  });

  it("masks the store's password, as text and as JSON", async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON });
    const env = { HARNESS_STORE_URL: 'postgres://fleet:hunter2-secret@db.internal:5432/harness?sslmode=verify-full' };
    for (const asJson of [false, true]) {
      const { output } = await configShow({ cwd, env, flags: {}, json: asJson });
      expect(output).not.toContain('hunter2-secret');
      expect(output).toContain('postgres://fleet:***@db.internal:5432/harness?sslmode=verify-full');
    }
  });

  it("masks the password of a store URL it refuses", async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON, 'harness.config.json': json({ store: 'postgress://fleet:file-secret@db/harness' }) });
    const refused = (await errorOf(configShow({ cwd, env: { HARNESS_STORE_URL: 'mysql://fleet:env-secret@db/harness' }, flags: {}, json: false }))) as ConfigError;
    expect(refused).toBeInstanceOf(ConfigError);
    expect(refused.message).toContain('fleet:***@db');
    expect(refused.message).not.toMatch(/file-secret|env-secret/);
  });

  it('lists fields, values and sources as text', async () => {
    const cwd = makeProject({
      'package.json': PACKAGE_JSON,
      'harness.config.json': json({ workerStallTimeoutMs: '5m' }),
    });
    const { output } = await configShow({
      cwd,
      env: { HARNESS_MAX_WORKERS: '12' },
      flags: { minWorkers: '3' },
      json: false,
    });
    const lines = output.split('\n');
    expect(lines[0]).toBe('config file: harness.config.json');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^maxWorkers\s+12\s+env HARNESS_MAX_WORKERS$/),
        expect.stringMatching(/^minWorkers\s+3\s+flag --min-workers$/),
        expect.stringMatching(/^workerStallTimeoutMs\s+300000 \(5m\)\s+harness\.config\.json$/),
        expect.stringMatching(/^healthCheckIntervalMs\s+30000 \(30s\)\s+default$/),
      ]),
    );
  });

  it('uses the --config file', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON, 'ci.yml': 'maxAttempts: 7\n' });
    const { output } = await configShow({ cwd, configPath: 'ci.yml', env: {}, flags: {}, json: true });
    expect(JSON.parse(output)).toMatchObject({
      config: { maxAttempts: 7 },
      sources: { maxAttempts: { kind: 'file', path: path.join(cwd, 'ci.yml') } },
      file: path.join(cwd, 'ci.yml'),
    });
  });

  it('throws ConfigError rather than showing an invalid configuration', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON });
    const error = await errorOf(configShow({ cwd, env: { HARNESS_MAX_WORKERS: 'abc' }, flags: {}, json: false }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(['HARNESS_MAX_WORKERS: expected a positive integer, received "abc"']);
  });
});

describe('configValidate', () => {
  it('reports the file it found as valid', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON, '.harnessrc.yml': 'maxWorkers: 12\n', 'src/x.ts': '' });
    const { output } = await configValidate({ cwd: path.join(cwd, 'src'), env: {} });
    expect(output).toBe('✓ ../.harnessrc.yml: valid');
  });

  it('validates a named file', async () => {
    const cwd = makeProject({ 'conf/h.json': json({ maxWorkers: 12 }) });
    expect((await configValidate({ cwd, file: 'conf/h.json', env: {} })).output).toBe('✓ conf/h.json: valid');
  });

  it('says so when there is no file', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON });
    const { output } = await configValidate({ cwd, env: {} });
    expect(output).toMatch(/^no config file found .*; the defaults are valid$/);
  });

  it('throws ConfigError listing every problem, with the file as source', async () => {
    const cwd = makeProject({
      'package.json': PACKAGE_JSON,
      'harness.config.json': json({ minWorkers: 'four', maxWorkers: 2, maxWorker: 1 }),
    });
    const error = await errorOf(configValidate({ cwd, env: {} }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).source).toBe('harness.config.json');
    expect((error as ConfigError).problems).toEqual(
      expect.arrayContaining([
        'minWorkers: expected a positive integer, received "four"',
        'maxWorker: unknown field; did you mean "maxWorkers"?',
        'maxWorkers: expected ≥ minWorkers (4), received 2: raise maxWorkers or lower minWorkers',
      ]),
    );
    expect((error as ConfigError).exitCode).toBe(2);
  });

  it.each([
    ['harness.config.json', '{ "maxWorkers": 2,, }', /check the JSON/],
    ['harness.config.yaml', 'maxWorkers: [2\n', /check the YAML/],
  ])('throws ConfigError with a parser message for a broken %s', async (name, contents, hint) => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON, [name]: contents });
    const error = await errorOf(configValidate({ cwd, env: {} }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([expect.stringMatching(new RegExp(`^could not read ${name}: .+`))]);
    expect((error as ConfigError).problems[0]).toMatch(hint);
  });

  it('checks HARNESS_* variables over the file', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON, 'harness.config.json': json({ maxWorkers: 12 }) });
    const error = await errorOf(configValidate({ cwd, env: { HARNESS_MIN_WORKERS: '20' } }));
    expect((error as ConfigError).problems).toEqual([
      'maxWorkers: expected ≥ minWorkers (20), received 12: raise maxWorkers or lower minWorkers',
    ]);
    const ok = await configValidate({ cwd, env: { HARNESS_MIN_WORKERS: '6' } });
    expect(ok.output).toBe('✓ harness.config.json: valid\n✓ environment (HARNESS_MIN_WORKERS): valid');
  });
});

describe('configInit', () => {
  it('writes harness.config.json holding every default', async () => {
    const cwd = makeProject({});
    const result = await configInit({ cwd, force: false });
    expect(result.path).toBe(path.join(cwd, 'harness.config.json'));
    expect(result.output).toMatch(/wrote harness\.config\.json/);
    expect(await validateConfigFile(result.path, cwd)).toEqual([]);
    const written = JSON.parse(readFileSync(result.path, 'utf8'));
    expect(written).toEqual(JSON.parse(JSON.stringify(DEFAULT_CONFIG)));
  });

  it('refuses to overwrite without --force', async () => {
    const cwd = makeProject({ 'harness.config.json': '{"maxWorkers": 3}' });
    const error = await errorOf(configInit({ cwd, force: false }));
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe('harness.config.json already exists; use --force to overwrite');
    expect(readFileSync(path.join(cwd, 'harness.config.json'), 'utf8')).toBe('{"maxWorkers": 3}');
  });

  it('overwrites with --force', async () => {
    const cwd = makeProject({});
    const target = path.join(cwd, 'harness.config.json');
    writeFileSync(target, '{"maxWorkers": 3}');
    const result = await configInit({ cwd, force: true });
    expect(result.output).toMatch(/overwrote harness\.config\.json/);
    expect(existsSync(target)).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8')).maxWorkers).toBe(DEFAULT_CONFIG.maxWorkers);
  });
});
