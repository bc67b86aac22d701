import { existsSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { directoryProblem } from '../../text/input.js';
import type { CliIO } from '../io.js';
import { resolveStateConfig } from '../state.js';
import { missingStore } from '../state-path.js';
import { maskUrl, storeTarget } from '../../store/postgres/url.js';

export interface DashboardCommandOptions extends Record<string, unknown> {
  io: CliIO;
  /** The state file; default: the configured one (`.harness/state.db`). */
  state?: string;
  /** A fleet's PostgreSQL store to watch instead (`postgres://…`); default: HARNESS_STORE_URL. */
  store?: string;
  /** The schema holding its tables; default: HARNESS_STORE_SCHEMA, else `harness`. */
  storeSchema?: string;
  config?: string;
  port?: string;
  host?: string;
  /** Let the page pause and resume dispatch, cancel sessions, retry failed issues and lift holds (with the token printed at start). */
  allowActions?: boolean;
}

/** Lowercase letters, digits and underscores, as the store accepts a schema's name. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The PostgreSQL store to watch: --store, else HARNESS_STORE_URL unless
 * --state names a file (a flag outranks the environment); null for a
 * state file.
 */
export function storeOption(options: Pick<DashboardCommandOptions, 'state' | 'store' | 'storeSchema'>, env: NodeJS.ProcessEnv): { url: string; schema: string } | null {
  if (options.store !== undefined && options.state !== undefined) throw new UsageError('--store and --state name two different stores: pass one of them');
  const url = options.store ?? (options.state === undefined ? env.HARNESS_STORE_URL || undefined : undefined);
  if (url === undefined) return null;
  const from = options.store !== undefined ? '--store' : 'HARNESS_STORE_URL';
  if (!/^postgres(ql)?:\/\//i.test(url.trim())) {
    throw new UsageError(`${from}: expected a PostgreSQL URL (postgres://user:password@host:5432/database), received ${JSON.stringify(maskUrl(url))}`);
  }
  // The schema as `harness run --store` takes it (`?schema=` in the URL), unless --store-schema (or HARNESS_STORE_SCHEMA) names one.
  const target = storeTarget(url.trim());
  const inUrl = target.schema !== 'harness' || /[?&]schema=/.test(url) ? target.schema : null;
  const schema = options.storeSchema ?? inUrl ?? (env.HARNESS_STORE_SCHEMA || 'harness');
  if (!SCHEMA_NAME.test(schema)) {
    throw new UsageError(`--store-schema: expected a schema name of lowercase letters, digits and underscores (at most 63, not starting with a digit), received ${JSON.stringify(schema)}`);
  }
  return { url: target.url, schema };
}

const STATE_FILE = { what: 'state database', fix: 'pass --state <file>, the .db file `harness run` wrote (default .harness/state.db)' };

/**
 * `harness dashboard`: serve the live web dashboard of a state (a run in
 * progress, from another process, or a finished one) until interrupted.
 * Returns the exit code.
 */
export async function dashboardCommand(options: DashboardCommandOptions): Promise<number> {
  const { io } = options;
  const store = storeOption(options, io.env);
  const { config, shown, path } = await resolveStateConfig(io, store ? { ...options, state: undefined } : options);
  if (!store) {
    const directory = directoryProblem(path, shown, STATE_FILE);
    if (directory) throw new UsageError(directory);
    if (!existsSync(path)) throw missingStore(shown, path, options.state !== undefined);
  }
  const { serveDashboard } = await import('../../dashboard/serve.js');
  const dashboard = await serveDashboard({
    ...(store ? { store } : { statePath: path, shownState: shown }),
    port: options.port,
    ...(options.host !== undefined ? { host: options.host } : {}),
    allowActions: Boolean(options.allowActions),
    stallTimeoutMs: config.workerStallTimeoutMs,
  });
  try {
    for (const note of dashboard.notes) io.stdout.write(`${note}\n`);
    io.stdout.write('dashboard: press Ctrl-C to stop\n');
    await new Promise<void>((resolve) => {
      const off = io.onSignal(() => {
        off();
        resolve();
      });
    });
    return 0;
  } finally {
    await dashboard.close();
  }
}
