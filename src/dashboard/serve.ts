/**
 * The dashboard put together, for `harness dashboard` and for `harness run
 * --dashboard-port`: the token (when actions are allowed, or the address is
 * not loopback), the store actions are posted to, the server, and what to
 * tell the user at start.
 */
import { hostname } from 'node:os';
import { UsageError } from '../errors.js';
import { isLoopbackHost } from '../metrics/server.js';
import { realClock, type Clock } from '../runtime/clock.js';
import { isAlive, processIdentity } from '../runtime/processes.js';
import { openStore } from '../store/open.js';
import { maskUrl } from '../store/postgres/url.js';
import type { ControlPoster } from './actions.js';
import { newToken } from './auth.js';
import { startDashboardServer, type DashboardServer } from './server.js';

export const DEFAULT_DASHBOARD_PORT = 8710;
export const DEFAULT_DASHBOARD_HOST = '127.0.0.1';

export interface ServeDashboardOptions {
  /** The state file (absolute), and as the user named it; unused with `store`. */
  statePath?: string;
  shownState?: string;
  /** A fleet's PostgreSQL store to read instead of a state file (its URL, and the schema of its tables). */
  store?: { url: string; schema: string };
  /** The port as given (checked here); `flag` names it in messages. */
  port: unknown;
  flag?: { port: string; host: string };
  host?: string;
  allowActions: boolean;
  /** Sessions this long without progress are stalled (the run's workerStallTimeoutMs): the stall risk is measured against it. */
  stallTimeoutMs: number;
  /** Where actions are posted: the run's own store; when absent, the state is opened for writing here (a PostgreSQL store: through the dashboard's own connection). */
  controls?: ControlPoster;
  clock?: Clock;
  updateMs?: number;
}

export interface ServedDashboard {
  server: DashboardServer;
  /** The token actions (and, off loopback, every request) need; null when none does. */
  token: string | null;
  /** Lines to print at start: where it is served, the token, a warning off loopback. */
  notes: string[];
  close(): Promise<void>;
}

export async function serveDashboard(options: ServeDashboardOptions): Promise<ServedDashboard> {
  const flag = options.flag ?? { port: '--port', host: '--host' };
  const port = parseDashboardPort(options.port, flag.port);
  const host = options.host ?? DEFAULT_DASHBOARD_HOST;
  const loopback = isLoopbackHost(host);
  const token = options.allowActions || !loopback ? newToken() : null;
  const clock = options.clock ?? realClock;
  const here = hostname();
  let opened: { close(): void } | null = null;
  let controls: ControlPoster | null = null;
  // On PostgreSQL, actions go through the dashboard's own connection, made with the source.
  let posted: ControlPoster | null = null;
  const postVia: ControlPoster = { postControl: (request) => posted!.postControl(request) };
  const store = options.store;
  if (options.allowActions) {
    if (options.controls) controls = options.controls;
    else if (store) controls = postVia;
    else {
      const state = openStore(options.statePath!);
      opened = state;
      controls = state;
    }
  }
  const source = store
    ? async (actions: boolean) => {
        const { openPostgresDashboard } = await import('./pg-open.js');
        const pg = await openPostgresDashboard({ url: store.url, schema: store.schema, hostname: here, stallTimeoutMs: options.stallTimeoutMs, clock }, actions);
        posted = pg.controls;
        return pg.source;
      }
    : undefined;
  try {
    const server = await startDashboardServer({
      ...(source ? { source } : { statePath: options.statePath!, shownState: options.shownState ?? options.statePath! }),
      port,
      host,
      token,
      controls,
      stallTimeoutMs: options.stallTimeoutMs,
      clock,
      liveness: { hostname: here, isAlive, identify: processIdentity },
      ...(options.updateMs !== undefined ? { updateMs: options.updateMs } : {}),
    });
    const notes: string[] = [];
    if (!loopback) {
      notes.push(
        `warning: ${flag.host} ${host} is not a loopback address: anyone who can reach it and has the token can see ${store ? "this fleet's" : "this run's"} issues, sessions and logs${options.allowActions ? ' and act on it' : ''}, and plain HTTP carries the token unencrypted. Bind 127.0.0.1 (the default) and reach it through an SSH tunnel unless the network is trusted`,
      );
    }
    if (store) notes.push(`dashboard: reading the fleet's PostgreSQL store ${maskUrl(store.url)} (schema ${store.schema})`);
    notes.push(`dashboard: serving ${server.url}`);
    if (token !== null) notes.push(`dashboard: token ${token}${options.allowActions ? ' (every action needs it; the address above carries it)' : ' (every request needs it; the address above carries it)'}`);
    return {
      server,
      token,
      notes,
      close: async () => {
        await server.close();
        opened?.close();
      },
    };
  } catch (error) {
    opened?.close();
    throw error;
  }
}

/** A port number from 0 to 65535 (0 picks a free one), or a UsageError naming `flag`. */
export function parseDashboardPort(value: unknown, flag: string): number {
  if (value === undefined) return DEFAULT_DASHBOARD_PORT;
  const text = String(value).trim();
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new UsageError(`${flag}: expected a port number from 0 to 65535 (0 picks a free one), received ${JSON.stringify(value)}`);
  }
  return port;
}
