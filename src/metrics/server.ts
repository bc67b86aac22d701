import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors.js';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus.js';

export interface MetricsServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  /** Default 127.0.0.1: the metrics describe your backlog, so they stay on this machine unless you say otherwise. */
  host?: string;
  /** The exposition text, produced afresh for every scrape. */
  collect: () => Promise<string> | string;
}

export interface MetricsServer {
  /** `http://host:port/metrics`. */
  url: string;
  close(): Promise<void>;
}

export const DEFAULT_METRICS_HOST = '127.0.0.1';

/** Whether `host` names this machine's loopback interface only (localhost, 127.0.0.0/8, ::1). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (bare === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(bare)) return true;
  const v4 = bare.replace(/^::ffff:/, '');
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * The warning for a metrics server reachable from other machines, or null
 * for a loopback address: /metrics answers anyone who can connect.
 */
export function exposureWarning(host: string): string | null {
  if (isLoopbackHost(host)) return null;
  return `warning: --metrics-host ${host} is not a loopback address: the /metrics endpoint has no authentication, so anyone who can reach ${host} can read this run's metrics (issue counts, worker and session figures). Bind 127.0.0.1 (the default) and scrape through an SSH tunnel or an authenticating proxy unless the network is trusted`;
}

/** Serve GET /metrics (Prometheus text exposition); 404 for any other path, 405 for other methods. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? DEFAULT_METRICS_HOST;
  const server = createServer((request, response) => void answer(request, response, options.collect));
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => reject(listenError(error, host, options.port));
    server.once('error', onError);
    server.listen(options.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections from a scraper would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

async function answer(request: IncomingMessage, response: ServerResponse, collect: MetricsServerOptions['collect']): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (path !== '/metrics') return reply(response, 404, 'not found: metrics are served at /metrics\n');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return reply(response, 405, `method ${request.method} not allowed: use GET\n`);
  }
  try {
    const body = await collect();
    response.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) });
    response.end(request.method === 'HEAD' ? undefined : body);
  } catch (error) {
    reply(response, 500, `cannot collect metrics: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

function reply(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(text);
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE') return new UsageError(`cannot serve metrics on ${host}:${port}: the port is in use. Pick another --metrics-port, or 0 for any free port`);
  if (error.code === 'EACCES') return new UsageError(`cannot serve metrics on ${host}:${port}: permission denied. Ports below 1024 need privileges: pick --metrics-port 9464 or above`);
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
    return new UsageError(`cannot serve metrics on ${host}:${port}: no such address on this machine. Pass --metrics-host with one of its addresses, or 0.0.0.0 for all`);
  }
  return error;
}

/** `--metrics-port` as a port number, or a UsageError saying what is expected. */
export function parsePort(value: unknown): number {
  const text = String(value).trim();
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new UsageError(`--metrics-port: expected a port number from 0 to 65535 (0 picks a free one), received ${JSON.stringify(value)}`);
  }
  return port;
}
