import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../src/version.js';
import { REPO } from './helpers/cli.js';

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));

describe('the package', () => {
  it('exports the seed API from its name, with type declarations', () => {
    const script = `import * as h from '@workwayco/harness';
      const pool = new h.WorkerPool(process.cwd());
      const sm = h.createScaleManager(pool, process.cwd(), null, { minWorkers: 2, maxWorkers: 3 }, { write: () => {} });
      console.log(JSON.stringify({ sm: sm instanceof h.ScaleManager, coordinator: typeof h.Coordinator, max: h.DEFAULT_SCALE_CONFIG.maxWorkers }));`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ sm: true, coordinator: 'function', max: 30 });
    expect(existsSync(join(REPO, pkg.exports['.'].types))).toBe(true);
  });

  it('declares the CLI, ESM, the Node engine and a version the code agrees with', () => {
    expect(pkg.name).toBe('@workwayco/harness');
    expect(pkg.type).toBe('module');
    expect(pkg.engines.node).toBe('>=20.19');
    expect(pkg.bin.harness).toBe('bin/harness.js');
    expect(pkg.scripts.harness).toBeDefined();
    expect(VERSION).toBe(pkg.version);
  });

  it('prints help without loading any command module or the config pipeline, and exits 2 on an unknown command', () => {
    const log = join(mkdtempSync(join(tmpdir(), 'harness-modules-')), 'loaded.txt');
    const record = join(REPO, 'test', 'fixtures', 'modules', 'record.mjs');
    const help = spawnSync(process.execPath, ['--import', record, join(REPO, 'bin', 'harness.js'), '--help'], {
      encoding: 'utf8',
      env: { ...process.env, HARNESS_TEST_MODULE_LOG: log },
    });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/run[\s\S]*config/);
    const loaded = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    rmSync(dirname(log), { recursive: true, force: true });
    expect(loaded.some((url) => url.endsWith('/dist/cli/main.js'))).toBe(true);
    expect(loaded.filter((url) => /\/dist\/cli\/commands\/|\/node_modules\/(zod|cosmiconfig|better-sqlite3)\//.test(url))).toEqual([]);
    const bad = spawnSync(process.execPath, [join(REPO, 'bin', 'harness.js'), 'frobnicate'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown command/);
  });

  it('runs without loading zod, cosmiconfig or a colour library when no config file is found, and with zod when one is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'harness-modules-'));
    try {
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'project' }));
      writeFileSync(join(dir, 'issues.jsonl'), `${JSON.stringify({ id: 'one', title: 'the one issue' })}\n`);
      const run = (name: string) => {
        const log = join(dir, `${name}.txt`);
        const result = spawnSync(process.execPath, ['--import', join(REPO, 'test', 'fixtures', 'modules', 'record.mjs'), join(REPO, 'bin', 'harness.js'), 'run', '--issues', 'issues.jsonl', '--agent', 'true', '--state', `${name}.db`], {
          cwd: dir,
          encoding: 'utf8',
          env: { ...process.env, HARNESS_TEST_MODULE_LOG: log, HARNESS_MAX_WORKERS: '6' },
        });
        expect(result.stderr).toBe('');
        expect(result.stdout).toContain('all issues done');
        return readFileSync(log, 'utf8').split('\n').filter(Boolean);
      };
      const packages = (loaded: string[]) => [...new Set(loaded.flatMap((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []))].sort();
      // The env var and the flags are checked field by field, by the same rules the schema applies to a file.
      expect(packages(run('bare'))).toEqual(['better-sqlite3', 'commander']);
      writeFileSync(join(dir, 'harness.config.json'), JSON.stringify({ maxWorkers: 5 }));
      expect(packages(run('configured'))).toEqual(expect.arrayContaining(['cosmiconfig', 'zod']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
