import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../src/runtime/processes.js';
import { openStore } from '../../src/store/open.js';
import { FIXTURES, REPO, guardProcesses, processesWithMarker, tempDir, waitFor, writeIssues } from '../helpers/cli.js';

const BIN = join(REPO, 'bin', 'harness.js');
// Every test cleans up after itself and leaves no process behind.
const { cleanups, markers } = guardProcesses();

function startHarness(dir: string, args: string[], marker: string, extraEnv: Record<string, string> = {}): ChildProcess & { output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [BIN, 'run', ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HARNESS_TEST_MARKER: marker, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return Object.assign(child, { output: () => output });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

function counts(dir: string) {
  const store = openStore(join(dir, '.harness', 'state.db'));
  try {
    return { issues: store.countIssues(), open: store.openSessions(), all: store.listIssues().map((i) => store.sessionsForIssue(i.id)) };
  } finally {
    store.close();
  }
}

describe('harness run after kill -9', () => {
  it('stops the agents of a killed harness, recovers the sessions it left, and does every issue exactly once', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const marker = `crash-${Date.now()}`;
    markers.push(marker);
    const issues = Array.from({ length: 8 }, (_, i) => ({ id: `k${i}`, title: `issue ${i}` }));
    const file = writeIssues(tmp.dir, issues);
    const args = ['--issues', file, '--agent', `"${process.execPath}" "${join(FIXTURES, 'heartbeat.mjs')}"`, '--min-workers', '3', '--max-workers', '3', '--health-interval', '100ms'];
    const first = startHarness(tmp.dir, args, marker, { FIXTURE_MS: '1200' });
    const firstExit = exitOf(first);
    // Wait until some issues are done and others are running, then kill the harness outright.
    await waitFor(() => {
      try {
        const c = counts(tmp.dir);
        return c.issues.done >= 2 && c.open.length > 0;
      } catch {
        return false;
      }
    }, 20_000, 'a run with finished and running sessions');
    const running = processesWithMarker(marker);
    expect(running.length).toBeGreaterThan(0);
    first.kill('SIGKILL');
    await firstExit;
    // Its launcher stops the agents it ran: none goes on working on an issue nothing can record any more.
    await waitFor(() => processesWithMarker(marker).length === 0, 15_000, "the killed harness's agents to be stopped");
    const orphans = running;

    const second = startHarness(tmp.dir, args, marker, { FIXTURE_MS: '300' });
    expect(await exitOf(second)).toBe(0);
    expect(second.output()).toMatch(/recovered session/);
    for (const pid of orphans) expect(isAlive(pid)).toBe(false);

    const after = counts(tmp.dir);
    expect(after.issues.done).toBe(8);
    expect(after.open).toHaveLength(0);
    for (const sessions of after.all) {
      expect(sessions.filter((s) => s.outcome === 'success')).toHaveLength(1);
      for (const s of sessions) expect(['success', 'lost']).toContain(s.outcome);
    }
  });

  it('refuses a second harness on a store that a live harness is using, naming its pid', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const marker = `lock-${Date.now()}`;
    markers.push(marker);
    const file = writeIssues(tmp.dir, [{ id: 'x', title: 'hangs' }]);
    const args = ['--issues', file, '--agent', `"${process.execPath}" "${join(FIXTURES, 'hang.mjs')}"`, '--kill-grace', '200ms'];
    const first = startHarness(tmp.dir, args, marker);
    const firstExit = exitOf(first);
    await waitFor(() => {
      try {
        return counts(tmp.dir).open.length === 1;
      } catch {
        return false;
      }
    }, 20_000, 'the first harness to start its session');
    const second = startHarness(tmp.dir, args, marker);
    expect(await exitOf(second)).toBe(2);
    expect(second.output()).toContain(`pid ${first.pid}`);
    first.kill('SIGINT');
    await waitFor(() => first.output().includes('interrupt'), 10_000, 'the first interrupt to be seen');
    first.kill('SIGINT');
    expect(await firstExit).toBe(130);
  });
});
