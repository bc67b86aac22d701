import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { displayPath, findConfigFile, loadConfigFileRaw } from '../../src/config/discover.js';
import { ConfigError } from '../../src/errors.js';
import { json, makeProject, PACKAGE_JSON } from './project.js';

describe('findConfigFile', () => {
  it.each<[string, string]>([
    ['package.json', json({ name: 'p', harness: { maxWorkers: 7 } })],
    ['.harnessrc', 'maxWorkers: 7\n'],
    ['.harnessrc.json', json({ maxWorkers: 7 })],
    ['.harnessrc.yaml', 'maxWorkers: 7\n'],
    ['.harnessrc.yml', 'maxWorkers: 7\n'],
    ['harness.config.json', json({ maxWorkers: 7 })],
    ['harness.config.yaml', '# scale\nmaxWorkers: 7\n'],
    ['harness.config.yml', 'maxWorkers: 7\n'],
    ['harness.config.js', 'module.exports = { maxWorkers: 7 };\n'],
    ['harness.config.mjs', 'export default { maxWorkers: 7 };\n'],
  ])('finds %s', async (place, contents) => {
    const root = makeProject({ 'package.json': PACKAGE_JSON, [place]: contents });
    const found = await findConfigFile(root);
    expect(found).toEqual({ path: path.join(root, place), raw: { maxWorkers: 7 } });
  });

  it('walks up from a subdirectory to the project root', async () => {
    const root = makeProject({
      'package.json': PACKAGE_JSON,
      'harness.config.json': json({ maxWorkers: 9 }),
      'packages/app/src/index.ts': '',
    });
    const found = await findConfigFile(path.join(root, 'packages/app/src'));
    expect(found?.path).toBe(path.join(root, 'harness.config.json'));
  });

  it('prefers the nearest file on the way up', async () => {
    const root = makeProject({
      'package.json': PACKAGE_JSON,
      'harness.config.json': json({ maxWorkers: 9 }),
      'sub/.harnessrc.json': json({ maxWorkers: 3 }),
    });
    const found = await findConfigFile(path.join(root, 'sub'));
    expect(found).toEqual({ path: path.join(root, 'sub/.harnessrc.json'), raw: { maxWorkers: 3 } });
  });

  it('stops at the nearest package.json', async () => {
    const root = makeProject({
      'harness.config.json': json({ maxWorkers: 9 }),
      'inner/package.json': PACKAGE_JSON,
      'inner/lib/file.txt': '',
    });
    expect(await findConfigFile(path.join(root, 'inner/lib'))).toBeNull();
  });

  it('skips a package.json without a "harness" key', async () => {
    const root = makeProject({ 'package.json': PACKAGE_JSON, '.harnessrc.yml': 'minWorkers: 2\n' });
    expect((await findConfigFile(root))?.path).toBe(path.join(root, '.harnessrc.yml'));
  });

  it('takes the first search place when a directory has several', async () => {
    const root = makeProject({
      'package.json': json({ name: 'p', harness: { maxWorkers: 1 } }),
      'harness.config.json': json({ maxWorkers: 2 }),
    });
    expect((await findConfigFile(root))?.raw).toEqual({ maxWorkers: 1 });
  });

  it('reports a package.json that does not parse, as the place a "harness" key would be', async () => {
    const root = makeProject({ 'package.json': '{ "name": "p", }' });
    const error = (await findConfigFile(root).catch((caught: unknown) => caught)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.source).toBe('package.json');
  });

  it('finds a file in a directory that has none of the search places but a parent that has one', async () => {
    const root = makeProject({ '.harnessrc.yml': 'maxWorkers: 5\n', 'a/b/c/.keep': '' });
    expect(await findConfigFile(path.join(root, 'a/b/c'))).toEqual({ path: path.join(root, '.harnessrc.yml'), raw: { maxWorkers: 5 } });
  });

  it('reports a file that does not parse as a ConfigError naming it', async () => {
    const root = makeProject({ 'package.json': PACKAGE_JSON, 'harness.config.json': '{ "maxWorkers": 3, }' });
    const error = await findConfigFile(root).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).source).toBe('harness.config.json');
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(/^could not read harness\.config\.json: .*position \d+; check the JSON/),
    ]);
  });
});

describe('loadConfigFileRaw', () => {
  it('reads a file relative to cwd', async () => {
    const root = makeProject({ 'conf/custom.yaml': 'agent:\n  command: node a.mjs\n' });
    expect(await loadConfigFileRaw('conf/custom.yaml', root)).toEqual({
      path: path.join(root, 'conf/custom.yaml'),
      raw: { agent: { command: 'node a.mjs' } },
    });
  });

  it('treats an empty file as no settings', async () => {
    const root = makeProject({ 'empty.json': '' });
    expect((await loadConfigFileRaw('empty.json', root)).raw).toEqual({});
  });

  it.each<[string, Record<string, string>, string, RegExp]>([
    ['a missing file', {}, 'nope.json', /^config file not found: nope\.json; check the path \(a \.json, \.yaml, \.yml, \.js or \.mjs file, or package\.json with a "harness" key\)$/],
    [
      'bad JSON',
      { 'bad.json': '{ "maxWorkers": 3, }' },
      'bad.json',
      /^could not read bad\.json: .*JSON.*; check the JSON: keys in double quotes, no trailing commas/,
    ],
    [
      'a package.json without a harness key',
      { 'package.json': PACKAGE_JSON },
      'package.json',
      /^package\.json has no "harness" key/,
    ],
  ])('throws ConfigError for %s', async (_name, files, target, pattern) => {
    const root = makeProject(files);
    const error = await loadConfigFileRaw(target, root).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).source).toBe(target);
    expect((error as ConfigError).problems).toEqual([expect.stringMatching(pattern)]);
  });

  it('gives the YAML parser message and a hint', async () => {
    const root = makeProject({ 'bad.yaml': 'maxWorkers: [1\nminWorkers: 2\n' });
    const error = (await loadConfigFileRaw('bad.yaml', root).catch((caught: unknown) => caught)) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.source).toBe('bad.yaml');
    expect(error.problems[0]).toMatch(/^could not read bad\.yaml: .+ \(\d+:\d+\); check the YAML/);
  });
});

describe('displayPath', () => {
  it.each([
    ['/p/app/harness.config.json', 'harness.config.json'],
    ['/p/app/conf/h.yml', 'conf/h.yml'],
    ['/p/.harnessrc', '../.harnessrc'],
    ['/.harnessrc', '../../.harnessrc'],
    ['/elsewhere/h.json', '/elsewhere/h.json'],
    ['/p/other/h.json', '/p/other/h.json'],
  ])('%s from /p/app → %s', (file, expected) => {
    expect(displayPath(file, '/p/app')).toBe(expected);
  });
});
