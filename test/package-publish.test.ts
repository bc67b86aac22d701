import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, tempDir } from './helpers/cli.js';

/**
 * What a consumer of the published package gets: the files in the tarball,
 * type declarations that compile under a strict tsc with only the
 * package's runtime dependencies installed, and a lock file that
 * `npm install` leaves as it is.
 */

interface PackageJson {
  name: string;
  dependencies?: Record<string, string>;
}

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as PackageJson & { license: string };

/** npm, as the test runner was started by it (npm test), or from PATH. */
function npm(args: string[], cwd: string): SpawnSyncReturns<string> {
  const execPath = process.env.npm_execpath;
  const [command, prefix] = execPath && execPath.endsWith('.js') ? [process.execPath, [execPath]] : ['npm', []];
  return spawnSync(command, [...prefix, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, npm_config_update_notifier: 'false' } });
}

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

/** The package a module specifier names: `zod`, `@types/node`, or null for a relative path. */
function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Every module a declaration file refers to: imports, exports, import() types and reference directives. */
function declarationImports(text: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /^\s*import\s+['"]([^'"]+)['"]/gm, /\/\/\/\s*<reference\s+types=["']([^"']+)["']/g];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[1]!);
  return found;
}

/** Where Node (and tsc) finds package `name` from directory `from`: the nearest node_modules up the tree. */
function locate(name: string, from: string): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/**
 * The packages npm installs for a consumer: the runtime dependencies and
 * theirs, never the dev dependencies. Read from the packages installed here.
 */
function runtimeClosure(): Map<string, string> {
  const found = new Map<string, string>();
  const visit = (deps: Record<string, string> | undefined, from: string): void => {
    for (const name of Object.keys(deps ?? {})) {
      if (found.has(name)) continue;
      const dir = locate(name, from);
      if (dir === null) throw new Error(`${name} is not installed: run npm install`);
      found.set(name, dir);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
      visit(manifest.dependencies, dir);
    }
  };
  visit(pkg.dependencies, REPO);
  return found;
}

describe('the published package', () => {
  const work = tempDir('harness-package-');
  let tarball = '';
  let files: string[] = [];

  beforeAll(() => {
    // dist/ is built by `npm test` (pretest); packing must not rebuild it.
    const packed = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work.dir], REPO);
    expect(packed.status, packed.stderr).toBe(0);
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    tarball = join(work.dir, info!.filename);
    files = info!.files.map((f) => f.path);
  }, 60_000);
  afterAll(() => work.cleanup());

  it('holds the MIT licence, the docs and the type declarations', () => {
    expect(pkg.license).toBe('MIT');
    expect(files).toContain('LICENSE');
    expect(readFileSync(join(REPO, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} harness contributors\n/);
    for (const doc of ['docs/ARCHITECTURE.md', 'docs/load-test.md', 'docs/merge-queue.md', 'docs/metrics.md']) expect(files).toContain(doc);
    expect(files).toContain('dist/index.d.ts');
    expect(files.filter((f) => f.startsWith('test/'))).toEqual([]);
  });

  it('has type declarations that import only its runtime dependencies', () => {
    const declarations = walk(join(REPO, 'dist')).filter((f) => f.endsWith('.d.ts'));
    expect(declarations.length).toBeGreaterThan(10);
    const builtins = new Set(builtinModules);
    const allowed = new Set(Object.keys(pkg.dependencies ?? {}));
    const offending: string[] = [];
    for (const file of declarations) {
      for (const specifier of declarationImports(readFileSync(file, 'utf8'))) {
        const name = packageOf(specifier);
        if (name === null || name === pkg.name) continue;
        // Node's own modules have their types in @types/node.
        const needed = specifier.startsWith('node:') || builtins.has(specifier) || name === 'node' ? '@types/node' : name;
        // A package that ships no types of its own needs its @types package at run time too.
        const satisfied = allowed.has(needed) || allowed.has(`@types/${needed}`) || (needed === '@types/node' && runtimeClosure().has('@types/node'));
        if (!satisfied) offending.push(`${relative(REPO, file)} imports ${specifier}`);
        if (name === 'better-sqlite3' && !allowed.has('@types/better-sqlite3')) offending.push(`${relative(REPO, file)} needs @types/better-sqlite3`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('compiles in a consumer under strict tsc, without skipLibCheck, with only its runtime dependencies', () => {
    const consumer = join(work.dir, 'consumer');
    const modules = join(consumer, 'node_modules');
    const installed = join(modules, ...pkg.name.split('/'));
    mkdirSync(installed, { recursive: true });
    const untar = spawnSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1'], { encoding: 'utf8' });
    expect(untar.status, untar.stderr).toBe(0);
    // As npm lays them out (hoisted): the runtime dependencies and theirs, and nothing else.
    for (const [name, dir] of runtimeClosure()) {
      mkdirSync(dirname(join(modules, name)), { recursive: true });
      symlinkSync(dir, join(modules, name), 'dir');
    }
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022' }, files: ['index.ts'] }),
    );
    writeFileSync(
      join(consumer, 'index.ts'),
      [
        "import { Coordinator, SqliteStore, MemoryStore, type HarnessConfig, type Store } from '@workwayco/harness';",
        "import * as loadTest from '@workwayco/harness/load-test';",
        'export const parts: unknown[] = [Coordinator, SqliteStore, MemoryStore, loadTest];',
        'export type Parts = [HarnessConfig, Store];',
        '',
      ].join('\n'),
    );
    const tsc = spawnSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', consumer], { encoding: 'utf8', timeout: 120_000 });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 120_000);

  it('has a lock file that npm install leaves unchanged', () => {
    const dir = join(work.dir, 'lock');
    mkdirSync(dir);
    for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(REPO, file), join(dir, file));
    // Resolves the tree as `npm install` does, from the lock alone: no download, no install scripts.
    const result = npm(['install', '--package-lock-only', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'], dir);
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(join(dir, 'package-lock.json'), 'utf8')).toBe(readFileSync(join(REPO, 'package-lock.json'), 'utf8'));
    rmSync(dir, { recursive: true, force: true });
  });
});
