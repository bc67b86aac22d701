import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PG_URL } from './postgres.js';
import { REPO } from './cli.js';

const BIN = join(REPO, 'bin', 'harness.js');

/** The test server's URL naming harness's schema `schema`. */
export function fleetUrl(schema: string): string {
  const url = new URL(PG_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

export type Coordinator = ChildProcess & { output: () => string; exited: Promise<number | null> };

/** `harness run` as a process of its own in `dir`, carrying `marker` for the process checks. */
export function startCoordinator(dir: string, args: string[], marker: string, env: Record<string, string> = {}): Coordinator {
  let output = '';
  const child = spawn(process.execPath, [BIN, 'run', ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HARNESS_TEST_MARKER: marker, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return Object.assign(child, { output: () => output, exited });
}
