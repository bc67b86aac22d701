import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fixture, guardProcesses, makeIO, tempDir, writeIssues } from '../helpers/cli.js';

const { cleanups, markers } = guardProcesses();

async function runWithHost(host: string) {
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  const file = writeIssues(tmp.dir, [{ id: 'a', title: 'one issue' }]);
  const t = makeIO(tmp.dir);
  markers.push(t.marker);
  const code = await main(['run', '--issues', file, '--agent', fixture('succeed.mjs'), '--min-workers', '1', '--max-workers', '1', '--metrics-port', '0', '--metrics-host', host], t.io);
  return { code, out: t.stdout() };
}

describe('harness run --metrics-host', () => {
  it('warns that the endpoint has no authentication when it binds beyond loopback', async () => {
    const { code, out } = await runWithHost('0.0.0.0');
    expect(code).toBe(0);
    expect(out).toContain('warning: --metrics-host 0.0.0.0 is not a loopback address: the /metrics endpoint has no authentication');
    expect(out).toMatch(/metrics: serving http:\/\/0\.0\.0\.0:\d+\/metrics/);
  });

  it('says nothing more for a loopback address', async () => {
    const { code, out } = await runWithHost('localhost');
    expect(code).toBe(0);
    expect(out).not.toContain('warning:');
    expect(out).toMatch(/metrics: serving http:\/\/(127\.0\.0\.1|\[::1\]):\d+\/metrics/);
  });
});
