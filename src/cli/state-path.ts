import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { StoreError } from '../errors.js';
import type { CliIO } from './io.js';

/** Commands that work on an existing state file: which one, and what to say when it is missing. */

/** `--state`, else the configured state (config file, HARNESS_STATE, default). The config pipeline loads only when needed. */
export async function resolveStatePath(options: { io: CliIO; state?: string; config?: string }): Promise<{ shown: string; path: string }> {
  const { io } = options;
  if (options.state !== undefined) return { shown: options.state, path: resolve(io.cwd, options.state) };
  const { resolveConfig } = await import('../config/load.js');
  const { config } = await resolveConfig({ cwd: io.cwd, env: io.env, ...(options.config !== undefined ? { configPath: options.config } : {}) });
  return { shown: config.state, path: resolve(io.cwd, config.state) };
}

export function missingStore(shown: string, path: string, explicit: boolean): StoreError {
  let message = `no harness state at ${shown} (not found): run \`harness run\` first or pass --state <path>`;
  // `harness run --example` keeps its state apart from a real backlog's; point at it rather than leave the user guessing.
  const example = join(dirname(path), 'example.db');
  if (!explicit && existsSync(example)) message += ` (\`harness run --example\` wrote ${join(dirname(shown), 'example.db')})`;
  return new StoreError(message);
}
