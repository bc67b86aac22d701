import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { FIXTURES, REPO, guardProcesses, processesWithMarker, tempDir, waitFor } from '../helpers/cli.js';
import { bead, trackerRig } from '../helpers/trackers.js';

const BIN = join(REPO, 'bin', 'harness.js');
const { cleanups, markers } = guardProcesses();

function startHarness(dir: string, env: Record<string, string>, marker: string): ChildProcess & { output: () => string } {
  let output = '';
  const args = ['run', '--source', 'beads', '--agent', `"${process.execPath}" "${join(FIXTURES, 'succeed.mjs')}"`, '--min-workers', '1', '--max-workers', '1', '--health-interval', '100ms'];
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { HOME: process.env.HOME, HARNESS_TEST_MARKER: marker, HARNESS_TRACKER_RETRY_MS: '200ms', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return Object.assign(child, { output: () => output });
}

const exitOf = (child: ChildProcess): Promise<number | null> => new Promise((resolve) => child.on('exit', (code) => resolve(code)));

describe('write-back exactly once across a crash', () => {
  it.each([
    { when: 'before' as const, what: 'the close had not reached beads: it is sent after the restart', closes: 2 },
    { when: 'after' as const, what: 'the close had reached beads: the restart finds it there and does not send it again', closes: 1 },
  ])('kill -9 while closing, $what', async ({ when, closes }) => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const rig = trackerRig(tmp.dir, { issues: [bead('bd-7')], hang: { match: 'close bd-7', when } });
    const marker = `crash-${when}-${process.pid}`;
    markers.push(marker);
    const first = startHarness(tmp.dir, rig.env, marker);
    const closeCalls = () => rig.calls().filter((c) => c[0] === 'close' && c[1] === 'bd-7');
    // The outcome is committed with its report; the close hangs in the tracker.
    await waitFor(() => closeCalls().length === 1, 20_000, 'the close call');
    const died = exitOf(first);
    first.kill('SIGKILL');
    await died;
    // The hung `bd` is the tracker's, in its own process group: it goes too, as a lost connection would.
    for (const pid of processesWithMarker(marker)) process.kill(pid, 'SIGKILL');
    await waitFor(() => processesWithMarker(marker).length === 0, 5000, 'the stand-in to die');

    const store = openStore(join(tmp.dir, '.harness', 'state.db'));
    expect(store.getIssue('bd-7')?.status).toBe('done');
    expect(store.reportCounts()).toMatchObject({ sending: 1, sent: 0 });
    store.close();

    const second = startHarness(tmp.dir, rig.env, marker);
    expect(await exitOf(second), second.output()).toBe(0);
    const bd7 = rig.state<{ id: string; status: string; close_reason?: string }>().issues[0]!;
    expect(bd7.status).toBe('closed');
    expect(bd7.close_reason).toMatch(/\[harness report 1\]$/);
    expect(closeCalls()).toHaveLength(closes);
    // The issue ran once: the restart did not work it again.
    const after = openStore(join(tmp.dir, '.harness', 'state.db'));
    expect(after.sessionsForIssue('bd-7')).toHaveLength(1);
    expect(after.reportCounts()).toMatchObject({ sending: 0, sent: 1, pending: 0 });
    after.close();
  }, 40_000);
});
