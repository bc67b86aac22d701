import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

  it('prints help quickly without loading command modules, and exits 2 on an unknown command', () => {
    const help = spawnSync(process.execPath, [join(REPO, 'bin', 'harness.js'), '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/run[\s\S]*config/);
    const bad = spawnSync(process.execPath, [join(REPO, 'bin', 'harness.js'), 'frobnicate'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown command/);
  });
});
