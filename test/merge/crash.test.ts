import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../src/runtime/processes.js';
import { openStore } from '../../src/store/open.js';
import { REPO, guardProcesses, processesWithMarker, waitFor, writeIssues } from '../helpers/cli.js';
import { GIT_ENV, git, makeRepo, subjects } from './repo.js';

// Runs the built CLI (`npm run build` first, as `npm test` does).
const BIN = join(REPO, 'bin', 'harness.js');
const AGENT = join(import.meta.dirname, '..', 'fixtures', 'merge', 'edit-agent.mjs');

// Every test cleans up after itself and leaves no process behind.
const { cleanups, markers } = guardProcesses();

function start(cwd: string, args: string[], marker: string): ChildProcess & { output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [BIN, 'run', ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HARNESS_TEST_MARKER: marker, ...GIT_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  return Object.assign(child, { output: () => output });
}

const exitOf = (child: ChildProcess) => new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

function merges(repo: string) {
  const store = openStore(join(repo, '.harness', 'state.db'));
  try {
    return { entries: store.listMerges(), issues: store.listIssues() };
  } finally {
    store.close();
  }
}

describe('harness run --worktrees after kill -9 during a merge', () => {
  it('leaves the target before or after the merge, and the restart lands every issue exactly once', async () => {
    const temp = makeRepo();
    cleanups.push(temp.cleanup);
    const marker = `merge-crash-${Date.now()}`;
    markers.push(marker);
    const ids = ['K1', 'K2', 'K3'];
    const issues = writeIssues(temp.root, ids.map((id) => ({ id, title: `fix ${id}`, body: `file: ${id}.txt\ntext: ${id}` })));
    const config = join(temp.root, 'harness.config.json');
    // A verify slow enough to be killed in the middle of.
    writeFileSync(config, JSON.stringify({ merge: { verify: [process.execPath, '-e', 'setTimeout(() => {}, 1500)'] } }));
    const args = ['--issues', issues, '--config', config, '--worktrees', '--agent', `"${process.execPath}" "${AGENT}"`, '--min-workers', '3', '--max-workers', '3', '--health-interval', '100ms'];
    const before = git(temp.repo, 'rev-parse', 'main');

    const first = start(temp.repo, args, marker);
    const firstExit = exitOf(first);
    let verifying: ReturnType<typeof merges>['entries'][number] | undefined;
    let ended = false;
    void firstExit.then(() => (ended = true));
    await waitFor(() => {
      if (ended) return true;
      try {
        verifying = merges(temp.repo).entries.find((e) => e.state === 'merging' && e.verifyPid !== null);
        return verifying !== undefined;
      } catch {
        return false;
      }
    }, 25_000, 'a merge to be verifying');
    if (ended) throw new Error(`harness ended before a merge was seen verifying: ${first.output()}`);
    first.kill('SIGKILL');
    await firstExit;

    // Before this merge, or after it: never anything in between.
    const afterKill = git(temp.repo, 'rev-parse', 'main');
    expect([before, verifying?.result]).toContain(afterKill);
    const verifyPid = verifying?.verifyPid ?? 0;
    expect(processesWithMarker(marker)).toContain(verifyPid);

    const second = start(temp.repo, args, marker);
    expect(await exitOf(second)).toBe(0);
    // The verify the dead harness left running was stopped, not left to finish.
    expect(isAlive(verifyPid)).toBe(false);

    const state = merges(temp.repo);
    expect(state.issues.map((i) => i.status)).toEqual(['done', 'done', 'done']);
    for (const id of ids) {
      expect(state.entries.filter((e) => e.issueId === id && e.state === 'landed')).toHaveLength(1);
      expect(subjects(temp.repo).filter((s) => s === `${id}: fix ${id}`)).toHaveLength(1);
    }
    expect(state.entries.every((e) => e.state === 'landed')).toBe(true);
    expect(git(join(temp.repo, '.harness', 'merge'), 'status', '--porcelain')).toBe('');
    expect(git(temp.repo, 'status', '--porcelain', '--untracked-files=no')).toBe('');
  });

  it('keeps the target on a landed result however often the harness is killed', async () => {
    const temp = makeRepo();
    cleanups.push(temp.cleanup);
    const marker = `merge-crash-loop-${Date.now()}`;
    markers.push(marker);
    const ids = ['L1', 'L2', 'L3', 'L4'];
    const issues = writeIssues(temp.root, ids.map((id) => ({ id, title: `fix ${id}`, body: `file: ${id}.txt\ntext: ${id}` })));
    const config = join(temp.root, 'harness.config.json');
    writeFileSync(config, JSON.stringify({ merge: { verify: [process.execPath, '-e', 'setTimeout(() => {}, 200)'], batchSize: 2 } }));
    const args = ['--issues', issues, '--config', config, '--worktrees', '--agent', `"${process.execPath}" "${AGENT}"`, '--min-workers', '2', '--max-workers', '2', '--health-interval', '100ms'];
    const allowed = new Set([git(temp.repo, 'rev-parse', 'main')]);

    // Killed at three points of a merge: while one is under way, once its result is recorded but before
    // the target has moved to it, and once a landing is done while another is under way.
    const entries = () => {
      try {
        return merges(temp.repo).entries;
      } catch {
        return [];
      }
    };
    const phases = [
      () => entries().some((e) => e.state === 'merging'),
      () => entries().some((e) => e.state === 'merging' && e.result !== null),
      () => entries().some((e) => e.state === 'landed') && entries().some((e) => e.state === 'merging'),
    ];
    for (const phase of phases) {
      const child = start(temp.repo, args, marker);
      const exit = exitOf(child);
      let exited = false;
      void exit.then(() => (exited = true));
      await waitFor(() => exited || phase(), 20_000, 'the merge to reach the point to kill it at');
      child.kill('SIGKILL');
      await exit;
      // Every result the queue recorded for a landing is a state the target may be in; nothing else is.
      for (const entry of merges(temp.repo).entries) if (entry.result) allowed.add(entry.result);
      expect(allowed).toContain(git(temp.repo, 'rev-parse', 'main'));
    }
    const last = start(temp.repo, args, marker);
    expect(await exitOf(last)).toBe(0);
    const state = merges(temp.repo);
    expect(state.issues.map((i) => i.status)).toEqual(['done', 'done', 'done', 'done']);
    for (const id of ids) expect(subjects(temp.repo).filter((s) => s === `${id}: fix ${id}`)).toHaveLength(1);
  });
});
