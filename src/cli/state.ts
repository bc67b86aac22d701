import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { resolveConfig } from '../config/load.js';
import type { HarnessConfig } from '../config/types.js';
import { StoreError } from '../errors.js';
import { isRunLive } from '../metrics/derive.js';
import { openStoreReader, type StoreQueries } from '../metrics/queries.js';
import type { RunLockInfo } from '../store/types.js';
import { isAlive } from '../runtime/processes.js';
import type { CliIO } from './io.js';

/**
 * The state file and config a command that reads a run works on (`harness
 * logs`, `harness clean`): `--state` when given, else the configured one.
 */
export async function resolveStateConfig(io: CliIO, options: { state?: string; config?: string }): Promise<{ config: HarnessConfig; shown: string; path: string }> {
  const { config } = await resolveConfig({
    cwd: io.cwd,
    env: io.env,
    ...(options.config !== undefined ? { configPath: options.config } : {}),
    ...(options.state !== undefined ? { flags: { state: options.state } } : {}),
  });
  return { config, shown: config.state, path: resolve(io.cwd, config.state) };
}

/** Open the state read-only, or say there is none and how to make one. */
export function openStateReader(shown: string, path: string): StoreQueries {
  if (!existsSync(path)) throw new StoreError(`no harness state at ${shown}: run \`harness run\` first, or pass --state <path>`);
  return openStoreReader(path);
}

/** The harness holding the state's run lock, if one is live now. */
export function liveHolder(queries: StoreQueries, now: number): RunLockInfo | null {
  const lock = queries.runLock();
  return lock && isRunLive(lock, { hostname: hostname(), isAlive, now }) ? lock : null;
}
