import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { PROMETHEUS_CONTENT_TYPE } from '../../src/metrics/prometheus.js';
import { exposureWarning, isLoopbackHost, parsePort, startMetricsServer, type MetricsServer } from '../../src/metrics/server.js';

let servers: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function start(collect: () => Promise<string> | string, host?: string): Promise<MetricsServer> {
  const server = await startMetricsServer({ port: 0, collect, ...(host ? { host } : {}) });
  servers.push(server);
  return server;
}

describe('startMetricsServer', () => {
  it('binds 127.0.0.1 by default and serves /metrics with the Prometheus content type, fresh on every scrape', async () => {
    let scrapes = 0;
    const server = await start(() => `harness_scrapes ${++scrapes}\n`);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const first = await fetch(server.url);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(await first.text()).toBe('harness_scrapes 1\n');
    expect(await (await fetch(server.url)).text()).toBe('harness_scrapes 2\n');
    expect(await (await fetch(server.url + '?x=1')).text()).toBe('harness_scrapes 3\n');
  });

  it('answers 404 elsewhere and 405 to other methods', async () => {
    const server = await start(() => 'x 1\n');
    const base = server.url.replace(/\/metrics$/, '');
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metricsx`)).status).toBe(404);
    const post = await fetch(server.url, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers 500 with the reason when collecting fails, and keeps serving', async () => {
    let fail = true;
    const server = await start(() => {
      if (fail) throw new Error('store is gone');
      return 'x 1\n';
    });
    const broken = await fetch(server.url);
    expect(broken.status).toBe(500);
    expect(await broken.text()).toContain('store is gone');
    fail = false;
    expect((await fetch(server.url)).status).toBe(200);
  });

  it('binds the host it is given', async () => {
    const server = await start(() => 'x 1\n', '0.0.0.0');
    expect(server.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/metrics$/);
    expect((await fetch(server.url.replace('0.0.0.0', '127.0.0.1'))).status).toBe(200);
  });

  it('reports a port in use as a usage error with the fix', async () => {
    const first = await start(() => 'x 1\n');
    const port = Number(new URL(first.url).port);
    const error = await startMetricsServer({ port, collect: () => '' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/port is in use.*--metrics-port/);
  });
});

describe('parsePort', () => {
  it.each([['0', 0], ['9464', 9464], [' 65535 ', 65535]])('accepts %j', (text, port) => expect(parsePort(text)).toBe(port));
  it.each(['-1', '65536', 'http', '80.5', ''])('rejects %j', (text) => expect(() => parsePort(text)).toThrow(UsageError));
});

describe('isLoopbackHost and exposureWarning', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', 'app.localhost', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'])('%j is loopback: no warning', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
    expect(exposureWarning(host)).toBeNull();
  });
  it.each(['0.0.0.0', '::', '[::]', '192.168.1.10', '10.0.0.1', 'example.com', '128.0.0.1', '::ffff:10.0.0.1'])('%j is not: warns that /metrics has no authentication', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
    expect(exposureWarning(host)).toMatch(new RegExp(`^warning: --metrics-host ${host.replace(/[[\]]/g, '\\$&')} is not a loopback address: the /metrics endpoint has no authentication`));
  });
});
