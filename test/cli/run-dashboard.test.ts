import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fixture, guardProcesses, makeIO, tempDir, waitFor, writeIssues } from '../helpers/cli.js';

describe('harness run --dashboard-port', () => {
  const guard = guardProcesses();

  it('serves the dashboard from the running harness, actions with its token only, and closes it with the run', async () => {
    const tmp = tempDir();
    guard.cleanups.push(tmp.cleanup);
    const t = makeIO(tmp.dir, { FIXTURE_MS: '1500', FIXTURE_EVERY_MS: '50' });
    guard.markers.push(t.marker);
    const issues = writeIssues(tmp.dir, [{ id: 'A-1', title: 'first' }, { id: 'A-2', title: 'second' }]);
    const done = main(['run', '--issues', issues, '--agent', fixture('dashboard-agent.mjs'), '--min-workers', '1', '--max-workers', '1', '--dashboard-port', '0', '--dashboard-actions'], t.io);
    await waitFor(() => /dashboard: serving http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.test(t.stdout()), 15_000, 'the dashboard address');
    const url = new URL(/dashboard: serving (\S+)/.exec(t.stdout())![1]!);
    expect(t.stdout()).toContain(`dashboard: token ${url.searchParams.get('token')}`);
    await waitFor(() => t.stdout().includes('A-1') || t.stderr().includes('A-1'), 15_000, 'a session');
    const state = (await (await fetch(new URL('/api/state', url))).json()) as { live: boolean; actions: boolean };
    expect(state).toMatchObject({ live: true, actions: true });
    const unauthorised = await fetch(new URL('/api/actions', url), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"kind":"pause"}' });
    expect(unauthorised.status).toBe(401);
    expect(await done).toBe(0);
    await expect(fetch(new URL('/api/state', url))).rejects.toThrow();
  }, 30_000);

  it('warns about an address that is not loopback, and needs the port for the other dashboard flags', async () => {
    const tmp = tempDir();
    guard.cleanups.push(tmp.cleanup);
    const t = makeIO(tmp.dir);
    guard.markers.push(t.marker);
    const issues = writeIssues(tmp.dir, [{ id: 'A-1', title: 'first' }]);
    expect(await main(['run', '--issues', issues, '--agent', fixture('succeed.mjs'), '--dashboard-host', '0.0.0.0'], t.io)).toBe(2);
    expect(t.stderr()).toContain('--dashboard-host needs --dashboard-port <port>');
    expect(await main(['run', '--issues', issues, '--agent', fixture('succeed.mjs'), '--dashboard-port', '0', '--dashboard-host', '0.0.0.0', '-q'], t.io)).toBe(0);
    expect(t.stdout()).toMatch(/warning: --dashboard-host 0\.0\.0\.0 is not a loopback address: anyone who can reach it and has the token/);
    expect(t.stdout()).toMatch(/dashboard: token \S+ \(every request needs it/);
  }, 30_000);
});
