#!/usr/bin/env node
// Compiles the session launcher (native/launcher.c, native/orphans.c) to dist/native/harness-launcher.
// Without a C compiler the build goes on: `harness run` then starts agents
// from its own process, which works the same and is slower per session.
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const sources = ['launcher.c', 'orphans.c'].map((name) => fileURLToPath(new URL(`../native/${name}`, import.meta.url)));
const header = fileURLToPath(new URL('../native/orphans.h', import.meta.url));
const output = fileURLToPath(new URL('../dist/native/harness-launcher', import.meta.url));

function modified(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

function build() {
  if (process.platform === 'win32') return 'not supported on Windows';
  const built = modified(output);
  const newest = Math.max(...[...sources, header].map((path) => modified(path) ?? Infinity));
  if (built !== null && built >= newest) return null;
  mkdirSync(fileURLToPath(new URL('../dist/native/', import.meta.url)), { recursive: true });
  const partial = `${output}.${process.pid}`;
  const compilers = [...new Set([process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean))];
  const failures = [];
  for (const compiler of compilers) {
    const result = spawnSync(compiler, ['-std=c11', '-O2', '-Wall', '-Wextra', '-o', partial, ...sources], { encoding: 'utf8' });
    if (result.status === 0) {
      renameSync(partial, output);
      return null;
    }
    rmSync(partial, { force: true });
    failures.push(result.error ? `${compiler}: ${result.error.code ?? result.error.message}` : `${compiler}: ${result.stderr.trim().split('\n').slice(0, 5).join('\n  ')}`);
  }
  return failures.join('\n  ');
}

const failure = build();
if (failure !== null) {
  process.stderr.write(
    `harness: could not compile the session launcher (native/launcher.c):\n  ${failure}\n` +
      'harness run will start agents from its own process instead (slower per session). Install a C compiler and run `npm run build` to use it.\n',
  );
}
