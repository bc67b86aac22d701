/**
 * The dashboard's source on a SQLite state file: its own read-only
 * connection, the metric set's queries, and a look at the file's
 * data_version each update, so an unchanged state is not read again.
 */
import { isRunLive, type Liveness } from '../metrics/derive.js';
import { FleetQueries } from '../metrics/fleet.js';
import { openStoreReader } from '../metrics/queries.js';
import type { Clock } from '../runtime/clock.js';
import { dashboardCaches, readDashboard } from './data.js';
import type { DashboardSource } from './source.js';

export interface SqliteSourceOptions {
  /** The state file (absolute), and as the user named it. */
  statePath: string;
  shownState: string;
  stallTimeoutMs: number;
  actions: boolean;
  clock: Clock;
  liveness: Omit<Liveness, 'now'>;
}

export function openSqliteSource(options: SqliteSourceOptions): DashboardSource {
  const queries = openStoreReader(options.statePath);
  const fleet = new FleetQueries(queries.db, options.statePath);
  const caches = dashboardCaches();
  const liveness = () => ({ ...options.liveness, now: options.clock.now() });
  // A state file's logs are on this host: the file's own folder.
  const here = null;
  return {
    version: async () => fleet.dataVersion(),
    read: async () => readDashboard(queries, fleet, caches, { ...liveness(), state: options.shownState, stallTimeoutMs: options.stallTimeoutMs, actions: options.actions }),
    issuePage: async (query) => ({ ...fleet.issuePage(query), version: fleet.issuesVersion() }),
    issueDetail: async (id) => fleet.issueDetail(id),
    session: async (id) => {
      const session = fleet.session(id);
      return session && { session, host: here };
    },
    live: async () => isRunLive(queries.runLock(), liveness()),
    close: async () => queries.close(),
  };
}
