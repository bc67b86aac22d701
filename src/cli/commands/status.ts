import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { UsageError } from '../../errors.js';
import { holderState } from '../../store/run-lock.js';
import { realClock, type Clock } from '../../runtime/clock.js';
import { isAlive, processIdentity } from '../../runtime/processes.js';
import { directoryProblem } from '../../text/input.js';
import type { CliIO } from '../io.js';
import { missingStore, resolveStatePath } from '../state-path.js';
import { resolveStoreChoice } from '../store-url.js';

export interface StatusCommandOptions extends Record<string, unknown> {
  io: CliIO;
  /** A fleet's PostgreSQL store; default the configured store (config file, HARNESS_STORE_URL) unless --state is given. */
  store?: string;
  storeSchema?: string;
  /** A state file instead: one harness at most holds it. */
  state?: string;
  config?: string;
  json?: boolean;
  /** Injected in tests; the real clock otherwise. */
  clock?: Clock;
}

const STATE_FILE = { what: 'state database', fix: 'pass --state <file>, the .db file `harness run` wrote (default .harness/state.db)' };

/**
 * `harness status`: who runs the store. For a fleet's PostgreSQL store,
 * every coordinator its table records (host, pid, version, state,
 * heartbeat age, lease, pool bound, running sessions, start, end); for a
 * state file, the one harness that holds its run lock, if any. Reads only.
 * Returns the exit code: 0, whatever the fleet's state.
 */
export async function statusCommand(options: StatusCommandOptions): Promise<number> {
  const { io } = options;
  const store = await resolveStoreChoice(options);
  if (store) {
    const { PgReader, readFleetStatus } = await import('../../metrics/pg/index.js');
    const reader = await PgReader.open(store.url, { schema: store.schema });
    try {
      const status = await readFleetStatus(reader);
      if (options.json) {
        io.stdout.write(JSON.stringify({ kind: 'postgres', ...status }, null, 2) + '\n');
        return 0;
      }
      const { renderStatusTable } = await import('../../metrics/render-fleet.js');
      const live = status.coordinators.filter((c) => c.status === 'live').length;
      const cap = status.fleetMaxWorkers === null ? '' : ` · at most ${status.fleetMaxWorkers} sessions across the fleet (fleet.maxWorkers)`;
      const head = status.coordinators.length === 0 ? 'no coordinator has joined this fleet yet' : `${live} live coordinator(s) of ${status.coordinators.length} recorded${cap}`;
      io.stdout.write(`${status.store} · ${head}\n${status.coordinators.length === 0 ? '' : renderStatusTable(status.coordinators) + '\n'}`);
      return 0;
    } finally {
      await reader.close();
    }
  }
  return stateFileStatus(options);
}

/** A state file has one coordinator at most: the harness holding its run lock. */
async function stateFileStatus(options: StatusCommandOptions): Promise<number> {
  const { io } = options;
  const { shown, path } = await resolveStatePath(options);
  const directory = directoryProblem(path, shown, STATE_FILE);
  if (directory) throw new UsageError(directory);
  if (!existsSync(path)) throw missingStore(shown, path, options.state !== undefined);
  const { openStoreReader } = await import('../../metrics/queries.js');
  const queries = openStoreReader(path);
  try {
    const lock = queries.runLock() ?? null;
    const now = (options.clock ?? realClock).now();
    const holder = lock ? holderState(lock, { hostname: hostname(), isAlive, identify: processIdentity, now }) : null;
    if (options.json) {
      io.stdout.write(JSON.stringify({ kind: 'sqlite', store: shown, live: holder === 'live', holder, run: lock }, null, 2) + '\n');
      return 0;
    }
    const { formatAge } = await import('../../metrics/render-fleet.js');
    const { terminalSafe } = await import('../../text/escape.js');
    const line = !lock
      ? 'no harness holds it'
      : `${holder === 'live' ? 'held by' : `last held by (${holder}, not running)`} pid ${lock.pid} on ${terminalSafe(lock.hostname)}, heartbeat ${formatAge(Math.max(0, now - lock.heartbeatAt))}`;
    io.stdout.write(`${terminalSafe(shown)} · a state file has one coordinator at most: ${line}\n`);
    return 0;
  } finally {
    queries.close();
  }
}
