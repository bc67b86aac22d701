import { UsageError } from '../errors.js';
import type { CliIO } from './io.js';

/** The env variable a PostgreSQL store's URL may come from when no --store is given. */
export const STORE_URL_ENV = 'HARNESS_STORE_URL';

export interface StoreChoice {
  /** The connection string as given: never print it, print maskUrl(url). */
  url: string;
  schema: string;
}

/**
 * Which PostgreSQL store a reading command asks for: `--store <url>`, else
 * HARNESS_STORE_URL unless `--state` names a state file; null for a state
 * file. An empty value is a mistake rather than "none".
 */
export function resolveStoreChoice(options: { io: CliIO; store?: string; storeSchema?: string; state?: string }): StoreChoice | null {
  if (options.store !== undefined && options.state !== undefined) {
    throw new UsageError('--store and --state name two different stores: pass one of them (--store for PostgreSQL, --state for a state file)');
  }
  const fromEnv = options.state === undefined ? options.io.env[STORE_URL_ENV] : undefined;
  const url = options.store ?? fromEnv;
  if (url === undefined) {
    if (options.storeSchema !== undefined) throw new UsageError('--store-schema applies to a PostgreSQL store: pass --store <url> (or set HARNESS_STORE_URL) with it');
    return null;
  }
  if (url.trim() === '') {
    throw new UsageError(`${options.store !== undefined ? '--store' : STORE_URL_ENV} is empty: give a PostgreSQL URL such as postgres://user@host:5432/db`);
  }
  if (!/^postgres(ql)?:\/\//i.test(url.trim())) {
    throw new UsageError(`${options.store !== undefined ? '--store' : STORE_URL_ENV}: expected a PostgreSQL URL (postgres://user@host:5432/db); for a state file pass --state <path>`);
  }
  return { url: url.trim(), schema: options.storeSchema ?? 'harness' };
}
