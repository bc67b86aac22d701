import { hostname } from 'node:os';
import { isAlive, processIdentity } from '../runtime/processes.js';
import { collectPrometheus } from './prometheus.js';
import { openStoreReader } from './queries.js';
import { parsePort, startMetricsServer, type MetricsServer } from './server.js';

export interface ServeStoreMetricsOptions {
  /** The state file `harness run` writes. */
  statePath: string;
  /** `--metrics-port` as given (validated here). */
  port: unknown;
  /** `--metrics-host`; default 127.0.0.1. */
  host?: string;
  /** Wall-clock time (ms). */
  now: () => number;
}

/**
 * `harness run --metrics-port`: serve /metrics from the run's own store,
 * through a second, read-only connection, so a scrape shows exactly what
 * `harness metrics --format prometheus` shows from another terminal.
 */
export async function serveStoreMetrics(options: ServeStoreMetricsOptions): Promise<MetricsServer> {
  const port = parsePort(options.port);
  const queries = openStoreReader(options.statePath);
  const self = hostname();
  try {
    const server = await startMetricsServer({
      port,
      ...(options.host !== undefined ? { host: options.host } : {}),
      collect: () => collectPrometheus(queries, { state: options.statePath, hostname: self, isAlive, identify: processIdentity, now: options.now() }),
    });
    return {
      url: server.url,
      close: async () => {
        await server.close();
        queries.close();
      },
    };
  } catch (error) {
    queries.close();
    throw error;
  }
}
