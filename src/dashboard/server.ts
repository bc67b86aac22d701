/**
 * The dashboard's HTTP server: the page, its live state as server-sent
 * events, a page of the issue table, one issue's attempts, a session's log
 * (followed live, or whole), and actions (posted to the store for the
 * running harness to take). It reads through a DashboardSource: a state
 * file through its own read-only connection (a live run from another
 * process as well as a finished state), or a fleet's PostgreSQL store.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StoreError, UsageError } from '../errors.js';
import type { Liveness } from '../metrics/derive.js';
import type { Clock } from '../runtime/clock.js';
import { answerAction, type ActionContext, type ControlPoster } from './actions.js';
import { loopbackHosts, requestToken, tokenMatches } from './auth.js';
import { StateHub } from './hub.js';
import { answerIssue, answerIssues, answerLog, answerLogText } from './routes.js';
import { renderPage } from './page/html.js';
import { fail, json } from './reply.js';
import type { DashboardSource } from './source.js';
import { startEventStream } from './sse.js';
import { isLoopbackHost } from '../metrics/server.js';
import { openSqliteSource } from './sqlite-source.js';

export interface DashboardServerOptions {
  /** The state file to read (absolute), and as the user named it; unused when `source` is given. */
  statePath?: string;
  shownState?: string;
  /** What to read instead of a state file (a fleet's PostgreSQL store); the server closes it. */
  source?: (actions: boolean) => Promise<DashboardSource>;
  /** 0 picks a free port. */
  port: number;
  host: string;
  /** Required on every action, and on every request when the host is not loopback; null when neither applies. */
  token: string | null;
  /** Where actions go: the store, opened for writing; null when actions are not allowed. */
  controls: ControlPoster | null;
  stallTimeoutMs: number;
  clock: Clock;
  liveness: Omit<Liveness, 'now'>;
  /** How often open pages are updated (ms). Default 1000. */
  updateMs?: number;
  /** How often a followed log is looked at (ms). Default 250. */
  logPollMs?: number;
}

export interface DashboardServer {
  /** `http://host:port/`, with `?token=` when every request needs it. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const loopback = isLoopbackHost(options.host);
  if (!loopback && options.token === null) throw new UsageError(`--host ${options.host} is not a loopback address: the dashboard needs a token there`);
  if (options.controls !== null && options.token === null) throw new UsageError('dashboard actions need a token');
  const actions = options.controls !== null;
  const source = options.source
    ? await options.source(actions)
    : openSqliteSource({ statePath: options.statePath!, shownState: options.shownState ?? options.statePath!, stallTimeoutMs: options.stallTimeoutMs, actions, clock: options.clock, liveness: options.liveness });
  try {
    return await listen(options, source, loopback);
  } catch (error) {
    await source.close();
    throw error;
  }
}

async function listen(options: DashboardServerOptions, source: DashboardSource, loopback: boolean): Promise<DashboardServer> {
  const { clock } = options;
  const hub = new StateHub({ clock, updateMs: options.updateMs ?? 1000, source });
  const followers = new Set<{ stop(): void }>();
  let allowedHosts: Set<string> | null = null;
  const context: ActionContext = {
    token: options.token,
    controls: options.controls,
    now: () => clock.now(),
    live: () => source.live(),
  };
  const logs = { source, hostname: options.liveness.hostname, clock, pollMs: options.logPollMs ?? 250 };

  const server = createServer((request, response) => {
    const failed = (error: unknown) => {
      // A malformed %-escape in a path is the request's fault; a store that cannot answer now is unavailable, not broken.
      const status = error instanceof URIError ? 400 : error instanceof StoreError ? 503 : 500;
      fail(response, status, error instanceof Error ? error.message : String(error));
    };
    try {
      route(request, response).catch(failed);
    } catch (error) {
      failed(error);
    }
  });

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://dashboard.invalid');
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    // A name rebound to 127.0.0.1 by another site's page arrives with that name: refused.
    if (allowedHosts && !allowedHosts.has(request.headers.host ?? '')) return fail(response, 403, 'this dashboard answers only to its own address (127.0.0.1, localhost or [::1] with its port)');
    const path = url.pathname;
    if (path === '/api/actions') return answerAction(request, response, context);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return fail(response, 405, `method ${request.method} not allowed here: use GET`);
    }
    if (!loopback && !tokenMatches(requestToken(request, url, true), options.token!)) {
      return fail(response, 401, 'this dashboard needs its token: open the address harness printed at start (it ends in ?token=…)');
    }
    if (path === '/') return page(response);
    if (path === '/api/state') return json(response, 200, await hub.current());
    if (path === '/api/stream') {
      startEventStream(response, {});
      return hub.add(response);
    }
    if (path === '/api/issues') return answerIssues(url, response, source);
    const issue = /^\/api\/issues\/([^/]+)$/.exec(path);
    if (issue) return answerIssue(decodeURIComponent(issue[1]!), response, source);
    const log = /^\/api\/sessions\/([^/]+)\/log(\.txt)?$/.exec(path);
    if (log) {
      const sessionId = decodeURIComponent(log[1]!);
      if (log[2]) return answerLogText(sessionId, response, logs);
      const follower = await answerLog(sessionId, request, response, logs);
      if (follower && response.destroyed) follower.stop();
      else if (follower) {
        followers.add(follower);
        response.on('close', () => {
          follower.stop();
          followers.delete(follower);
        });
      }
      return;
    }
    fail(response, 404, `nothing at ${path}`);
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => reject(listenError(error, options.host, options.port));
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  if (loopback) allowedHosts = new Set([...loopbackHosts(address.port), `${shownHost}:${address.port}`, `${options.host}:${address.port}`]);
  const base = `http://${shownHost}:${address.port}/`;
  return {
    url: options.token !== null ? `${base}?token=${options.token}` : base,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        hub.close();
        for (const follower of followers) follower.stop();
        followers.clear();
        server.close(() => {
          void source.close().finally(resolve);
        });
        // Event streams stay open by nature: close them rather than wait.
        server.closeAllConnections();
      }),
  };
}

/** Sent with every answer: nothing from elsewhere runs, loads or frames it, and nothing it shows is cached. */
const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function page(response: ServerResponse): void {
  // A fresh nonce per page: only the page's own script and style run, nothing a text could smuggle in.
  const nonce = randomBytes(16).toString('base64');
  const body = renderPage(nonce);
  response.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  });
  response.end(body);
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE') return new UsageError(`cannot serve the dashboard on ${host}:${port}: the port is in use. Pick another --port, or 0 for any free port`);
  if (error.code === 'EACCES') return new UsageError(`cannot serve the dashboard on ${host}:${port}: permission denied. Ports below 1024 need privileges: pick 8710 or above`);
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
    return new UsageError(`cannot serve the dashboard on ${host}:${port}: no such address on this machine. Pass --host with one of its addresses, or 0.0.0.0 for all`);
  }
  return error;
}
