import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createRunView } from '../../src/cli/render/run-view.js';
import { EventBus } from '../../src/core/events.js';
import { openStore } from '../../src/store/open.js';
import { FIXTURES, REPO, guardProcesses, processesWithMarker, tempDir, waitFor, writeIssues } from '../helpers/cli.js';

const guard = guardProcesses();

/** Python's pty module gives a test a real pseudo-terminal (Node.js has none built in). */
const hasPty = spawnSync('python3', ['-c', 'import pty'], { stdio: 'ignore' }).status === 0;

/**
 * A run of two issues on one worker, so that the second has not started
 * while the first runs: `harness run` arguments, its directory and the
 * marker its processes carry (checked by the guard after the test).
 */
function twoIssueRun(name: string): { tmp: { dir: string }; marker: string; args: string[] } {
  const tmp = tempDir();
  guard.cleanups.push(tmp.cleanup);
  const marker = `${name}-${Date.now()}`;
  guard.markers.push(marker);
  const file = writeIssues(tmp.dir, [
    { id: 'first', title: 'running when the terminal goes' },
    { id: 'second', title: 'not started yet' },
  ]);
  const args = ['run', '--issues', file, '--agent', `${process.execPath} ${join(FIXTURES, 'heartbeat.mjs')}`, '--min-workers', '1', '--max-workers', '1'];
  return { tmp, marker, args };
}

describe('harness run on a terminal', () => {
  it('draws plain lines on a terminal that reports a width of 0', () => {
    const out = Object.assign(new PassThrough(), { isTTY: true, columns: 0 });
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const events = new EventBus();
    const view = createRunView(events, {
      out,
      env: {},
      quiet: false,
      metrics: () => {
        throw new Error('the table is not drawn here');
      },
      status: () => ({ queued: 0, running: 0, done: 0, failed: 0, backlog: 0 }),
    });
    events.emit('scale:up', { at: 0, from: 1, to: 2, reason: 'queue depth 5' });
    view.detach();
    expect(text).toBe('▲ scale up 1 → 2: queue depth 5\n');
  });

  it.skipIf(!hasPty)('runs on a terminal of width 0, then stops gracefully when the terminal goes away', async () => {
    const { tmp, marker, args } = twoIssueRun('pty');
    const harnessArgs = [join(REPO, 'bin', 'harness.js'), ...args];
    // The terminal goes away half a second after the first session started (its session files exist), well before it ends.
    const sessionFiles = join(tmp.dir, '.harness', 'state.db.sessions');
    const result = spawnSync('python3', [join(REPO, 'test', 'fixtures', 'pty-run.py'), sessionFiles, '15', '0.5', process.execPath, ...harnessArgs], {
      cwd: tmp.dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HARNESS_TEST_MARKER: marker, FIXTURE_MS: '3000' },
      timeout: 20_000,
    });
    expect(result.status).toBe(0);
    // Once, the spinner on such a terminal redrew endlessly (megabytes a second) and the harness never exited.
    expect(Number(result.stdout.trim())).toBeLessThan(64 * 1024);
    await waitFor(() => processesWithMarker(marker).length === 0, 15_000, 'the harness to finish its session and exit');
    const store = openStore(join(tmp.dir, '.harness', 'state.db'));
    try {
      expect(store.sessionsForIssue('first').map((s) => s.outcome)).toEqual(['success']);
      expect(store.sessionsForIssue('second')).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('stops gracefully on SIGHUP (its terminal went away), and the next run finishes the work', async () => {
    const { tmp, marker, args } = twoIssueRun('terminal');
    const env = { PATH: process.env.PATH, HARNESS_TEST_MARKER: marker, FIXTURE_MS: '1500' };
    const harness = spawn(process.execPath, [join(REPO, 'bin', 'harness.js'), ...args], { cwd: tmp.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    for (const stream of [harness.stdout, harness.stderr]) stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => harness.on('exit', (code) => resolve(code)));
    await waitFor(() => existsSync(join(tmp.dir, '.harness', 'state.db.sessions')), 15_000, 'the first session');
    harness.kill('SIGHUP');
    expect(await exited).toBe(130);
    expect(output).toContain('interrupt: no new sessions');
    expect(processesWithMarker(marker)).toEqual([]);

    const store = openStore(join(tmp.dir, '.harness', 'state.db'));
    try {
      expect(store.sessionsForIssue('first').map((s) => s.outcome)).toEqual(['success']);
      expect(store.sessionsForIssue('second')).toEqual([]);
      expect(store.getIssue('second')?.status).not.toBe('done');
    } finally {
      store.close();
    }

    const rest = spawnSync(process.execPath, [join(REPO, 'bin', 'harness.js'), ...args, '--quiet'], { cwd: tmp.dir, env: { ...env, FIXTURE_MS: '100' }, encoding: 'utf8', timeout: 30_000 });
    expect(rest.status).toBe(0);
    const after = openStore(join(tmp.dir, '.harness', 'state.db'));
    try {
      for (const id of ['first', 'second']) expect(after.sessionsForIssue(id).map((s) => s.outcome)).toEqual(['success']);
    } finally {
      after.close();
    }
  });
});
