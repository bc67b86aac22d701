import { UsageError } from '../errors.js';
import { storeTarget } from '../store/postgres/url.js';
import type { CliIO } from './io.js';

export interface StoreChoice {
  /** The connection string as pg takes it: never print it, print maskUrl(url). */
  url: string;
  schema: string;
}

/**
 * Which PostgreSQL store a reading command asks for: `--store <url>`, else
 * (unless `--state` names a state file) the configured `store` (config
 * file, HARNESS_STORE_URL); null for a state file. The schema is
 * `--store-schema`, else the URL's `?schema=`, else HARNESS_STORE_SCHEMA,
 * else `harness`, as `harness run --store` reads it.
 */
export async function resolveStoreChoice(options: { io: CliIO; store?: string; storeSchema?: string; state?: string; config?: string }): Promise<StoreChoice | null> {
  if (options.store !== undefined && options.state !== undefined) {
    throw new UsageError('--store and --state name two different stores: pass one of them (--store for PostgreSQL, --state for a state file)');
  }
  const url = options.store ?? (options.state === undefined ? await configuredStore(options) : null);
  if (url === null) {
    if (options.storeSchema !== undefined) throw new UsageError('--store-schema applies to a PostgreSQL store: pass --store <url> (or set HARNESS_STORE_URL) with it');
    return null;
  }
  if (!/^postgres(ql)?:\/\//i.test(url.trim())) {
    throw new UsageError('--store: expected a PostgreSQL URL (postgres://user@host:5432/db); for a state file pass --state <path>');
  }
  const target = storeTarget(url.trim());
  const inUrl = target.url === url.trim() ? null : target.schema;
  if (options.storeSchema !== undefined && inUrl !== null && inUrl !== options.storeSchema) {
    throw new UsageError(`--store-schema ${options.storeSchema} and the URL's ?schema=${inUrl} name two schemas: pass one of them`);
  }
  // As harness run reads it: the URL's ?schema=, else HARNESS_STORE_SCHEMA, else harness.
  return { url: target.url, schema: options.storeSchema ?? inUrl ?? (options.io.env.HARNESS_STORE_SCHEMA || target.schema) };
}

/** The configured store (config file, HARNESS_STORE_URL), loading the config pipeline only when asked. */
async function configuredStore(options: { io: CliIO; config?: string }): Promise<string | null> {
  const { resolveConfig } = await import('../config/load.js');
  const { config } = await resolveConfig({ cwd: options.io.cwd, env: options.io.env, ...(options.config !== undefined ? { configPath: options.config } : {}) });
  return config.store;
}
