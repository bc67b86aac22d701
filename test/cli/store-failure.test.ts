import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { FIXTURES, REPO, guardProcesses, processesWithMarker, tempDir, waitFor, writeIssues } from '../helpers/cli.js';
import { mountTmpfs, unmount } from '../helpers/mounts.js';

const { cleanups, markers } = guardProcesses();
const BIN = join(REPO, 'bin', 'harness.js');

/** Fill the file system under `dir` until it refuses another byte; returns the filler to delete. */
function fillUp(dir: string): string {
  const filler = join(dir, 'filler');
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    // Whatever is left is smaller than a chunk: take it too.
    try {
      for (;;) writeSync(fd, Buffer.alloc(512, 1));
    } catch {
      // full
    }
  } finally {
    closeSync(fd);
  }
  return filler;
}

function sessionsDone(state: string): number {
  try {
    const store = openStore(state);
    try {
      return store.countIssues().done;
    } finally {
      store.close();
    }
  } catch {
    return 0;
  }
}

/** Every issue done exactly once, and no session left open. */
function expectEachDoneOnce(state: string, count: number): void {
  const store = openStore(state);
  try {
    expect(store.countIssues().done).toBe(count);
    expect(store.openSessions()).toEqual([]);
    for (const issue of store.listIssues()) expect(store.sessionsForIssue(issue.id).filter((s) => s.outcome === 'success')).toHaveLength(1);
  } finally {
    store.close();
  }
}

function setup(name: string, issues: number) {
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  const marker = `${name}-${Date.now()}`;
  markers.push(marker);
  const file = writeIssues(
    tmp.dir,
    Array.from({ length: issues }, (_, i) => ({ id: `n${i}`, title: `issue ${i}` })),
  );
  const agent = `"${process.execPath}" "${join(FIXTURES, 'heartbeat.mjs')}"`;
  const args = ['run', '--issues', file, '--agent', agent, '--min-workers', '3', '--max-workers', '3', '--health-interval', '200ms', '--kill-grace', '300ms'];
  return { tmp, marker, args, env: { PATH: process.env.PATH ?? '', HARNESS_TEST_MARKER: marker, FIXTURE_MS: '400' } };
}

function start(command: string, argv: string[], cwd: string, env: Record<string, string>) {
  const child = spawn(command, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { exit, stdout: () => stdout, stderr: () => stderr };
}

/** What a user must see when the store fails: one line naming the state, no stack trace. */
function expectOneLine(stderr: string, state: string, what: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^harness: /);
  expect(lines[0]).toMatch(what);
  expect(lines[0]).toContain(state);
  expect(stderr).not.toMatch(/\n\s+at |unexpected error/);
}

describe('harness run when its store fails', () => {
  it('stops on a full disk with one line naming the state, leaves no agent behind, and the next run finishes the work', async () => {
    const { tmp, marker, args, env } = setup('full', 40);
    const disk = join(tmp.dir, 'disk');
    mkdirSync(disk);
    // A real disk that fills up where root can mount one; elsewhere a file size limit, which fails the same writes.
    const tmpfs = mountTmpfs(disk, { sizeKb: 8 * 1024 });
    if (tmpfs) cleanups.unshift(() => unmount(disk));
    const state = join(disk, 'state.db');
    const harness = tmpfs
      ? start(process.execPath, [BIN, ...args, '--state', state], tmp.dir, env)
      : start('sh', ['-c', 'ulimit -f 1024; exec "$0" "$@"', process.execPath, BIN, ...args, '--state', state], tmp.dir, env);
    let filler: string | null = null;
    if (tmpfs) {
      let ended = false;
      void harness.exit.then(() => (ended = true));
      await waitFor(() => ended || sessionsDone(state) >= 3, 25_000, 'a few sessions to finish');
      if (ended) throw new Error(`harness ended before the disk filled: ${harness.stdout()}${harness.stderr()}`);
      filler = fillUp(disk);
    }
    expect(await harness.exit).toBe(1);
    expectOneLine(harness.stderr(), state, tmpfs ? /the disk is full: cannot write the state store .* \(SQLITE_FULL\)/ : /cannot write the state store .*(SQLITE_FULL|SQLITE_IOERR)/);
    expect(processesWithMarker(marker)).toEqual([]);
    expect(sessionsDone(state)).toBeLessThan(40);

    if (filler) rmSync(filler);
    const rest = spawnSync(process.execPath, [BIN, ...args, '--state', state, '--quiet'], { cwd: tmp.dir, env, encoding: 'utf8', timeout: 60_000 });
    expect(rest.stderr).toBe('');
    expect(rest.status).toBe(0);
    expectEachDoneOnce(state, 40);
  });

  it('stops with exit 1 when its state directory is deleted mid-run, instead of reporting success', async () => {
    const { tmp, marker, args, env } = setup('vanished', 6);
    const state = join(tmp.dir, '.harness', 'state.db');
    const harness = start(process.execPath, [BIN, ...args], tmp.dir, { ...env, FIXTURE_MS: '1500' });
    await waitFor(() => existsSync(join(tmp.dir, '.harness', 'state.db.sessions')), 20_000, 'the first sessions to start');
    // Gone from its path at once (agents still write their heartbeat files into it), then removed.
    renameSync(join(tmp.dir, '.harness'), join(tmp.dir, 'gone'));
    expect(await harness.exit).toBe(1);
    rmSync(join(tmp.dir, 'gone'), { recursive: true, force: true });
    expectOneLine(harness.stderr(), state, /the state store .* was deleted \(or its directory was\) while this run used it/);
    expect(processesWithMarker(marker)).toEqual([]);
  });

  it('stops with exit 1 when its state file is replaced mid-run', async () => {
    const { tmp, marker, args, env } = setup('replaced', 6);
    const state = join(tmp.dir, '.harness', 'state.db');
    const harness = start(process.execPath, [BIN, ...args], tmp.dir, { ...env, FIXTURE_MS: '1500' });
    await waitFor(() => existsSync(join(tmp.dir, '.harness', 'state.db.sessions')), 20_000, 'the first sessions to start');
    // Another state moved over it, as `mv other.db .harness/state.db` would.
    const other = join(tmp.dir, 'other.db');
    openStore(other).close();
    renameSync(other, state);
    expect(await harness.exit).toBe(1);
    expectOneLine(harness.stderr(), state, /the state store .* was replaced by another file while this run used it/);
    expect(processesWithMarker(marker)).toEqual([]);
  });
});
