import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { processIdentity } from '../../src/runtime/processes.js';
import { openStore } from '../../src/store/open.js';
import { FIXTURES, REPO, fixture, guardProcesses, makeIO, tempDir, waitFor, writeIssues } from '../helpers/cli.js';

const { cleanups, markers } = guardProcesses();

/** A live process that is not a harness: what a pid recorded in a lock may belong to after a crash or a reboot. */
function bystander(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  cleanups.push(() => child.kill('SIGKILL'));
  return child;
}

function setup() {
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  const file = writeIssues(tmp.dir, [{ id: 'a', title: 'something to do' }]);
  const t = makeIO(tmp.dir);
  markers.push(t.marker);
  const state = join(tmp.dir, '.harness', 'state.db');
  /** Leave a run lock as a harness that held `pid` would have. */
  const lockHeldBy = (pid: number, processStart: string | null) => {
    const store = openStore(state);
    const now = Date.now();
    store.acquireRunLock({ pid, hostname: hostname(), startedAt: now - 60_000, heartbeatAt: now, ...(processStart ? { processStart } : {}) }, () => false);
    store.close();
  };
  const run = (...extra: string[]) => main(['run', '--issues', file, '--agent', fixture('succeed.mjs'), '--min-workers', '1', ...extra], t.io);
  return { t, state, lockHeldBy, run };
}

describe('the run lock of harness run', () => {
  it('does not block when the pid it records belongs to an unrelated process now', async () => {
    const { t, lockHeldBy, run } = setup();
    const other = bystander();
    await waitFor(() => processIdentity(other.pid!) !== null, 5_000, 'the bystander to start');
    // Recorded by a process that had this pid before (another boot, or an earlier start time).
    lockHeldBy(other.pid!, 'an-earlier-boot/12345');
    expect(await run()).toBe(0);
    expect(t.stdout()).toMatch(new RegExp(`took over the run lock of pid ${other.pid} on .*: that pid belongs to another process now`));
  });

  it('refuses while the process that took it runs, naming it and --force-unlock; --force-unlock takes it and says whose it was', async () => {
    const { t, lockHeldBy, run } = setup();
    const holder = bystander();
    await waitFor(() => processIdentity(holder.pid!) !== null, 5_000, 'the holder to start');
    lockHeldBy(holder.pid!, processIdentity(holder.pid!));
    expect(await run()).toBe(2);
    expect(t.stderr()).toMatch(new RegExp(`in use by another harness \\(pid ${holder.pid} on ${hostname()}, started .*, last heartbeat .*\\).*--force-unlock`));

    expect(await run('--force-unlock')).toBe(0);
    expect(t.stdout()).toContain(`--force-unlock: took the run lock from pid ${holder.pid} on ${hostname()}`);
  });

  it('gives the loser of two harnesses started at once on a new state the holder, not a schema error', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const marker = `race-${Date.now()}`;
    markers.push(marker);
    const file = writeIssues(tmp.dir, [{ id: 'only', title: 'takes a few seconds' }]);
    const args = [join(REPO, 'bin', 'harness.js'), 'run', '--issues', file, '--agent', `"${process.execPath}" "${join(FIXTURES, 'heartbeat.mjs')}"`, '--min-workers', '1'];
    const start = () => {
      const child = spawn(process.execPath, args, { cwd: tmp.dir, env: { PATH: process.env.PATH, HARNESS_TEST_MARKER: marker, FIXTURE_MS: '4000' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      return { child, exit, output: () => output };
    };
    const [a, b] = [start(), start()];
    const codes = await Promise.all([a.exit, b.exit]);
    expect([...codes].sort()).toEqual([0, 2]);
    const loser = codes[0] === 2 ? a : b;
    const winner = loser === a ? b : a;
    expect(loser.output()).toContain(`is in use by another harness (pid ${winner.child.pid} on ${hostname()}`);
    expect(loser.output()).not.toMatch(/already exists|database is locked|unexpected error/);
  });
});
