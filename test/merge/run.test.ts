import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/open.js';
import { type TestIO, guardProcesses, makeIO, writeIssues } from '../helpers/cli.js';
import { GIT_ENV, git, makeRepo, subjects, type TempRepo } from './repo.js';
import { startSessionOn } from '../helpers/store.js';

const AGENT = join(import.meta.dirname, '..', 'fixtures', 'merge', 'edit-agent.mjs');
const FAST = ['--min-workers', '2', '--max-workers', '4', '--health-interval', '100ms', '--cooldown', '200ms', '--retry-delay', '100ms', '--kill-grace', '300ms'];

// No agent, verify or setup process may be left behind.
const { cleanups, markers } = guardProcesses();

interface Project {
  temp: TempRepo;
  t: TestIO;
  /** `harness run --worktrees` on the project with the fixture agent; returns the exit code. */
  run(extra?: string[]): Promise<number>;
  state(): ReturnType<typeof readState>;
}

/** A repository with a backlog and a config file, outside the repository so the checkout stays clean. */
function project(issues: { id: string; body: string }[], config: object = {}, files?: Record<string, string>): Project {
  const temp = makeRepo(files);
  cleanups.push(temp.cleanup);
  const issuesFile = writeIssues(temp.root, issues.map((i) => ({ title: `fix ${i.id}`, ...i })));
  const configFile = join(temp.root, 'harness.config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const t = makeIO(temp.repo, GIT_ENV);
  markers.push(t.marker);
  const args = ['run', '--issues', issuesFile, '--config', configFile, '--worktrees', '--agent', `"${process.execPath}" "${AGENT}"`, ...FAST];
  return {
    temp,
    t,
    run: (extra = []) => main([...args, ...extra], t.io),
    state: () => readState(temp.repo),
  };
}

function readState(repo: string) {
  const store = openStore(join(repo, '.harness', 'state.db'));
  try {
    const issues = store.listIssues();
    const sessions = new Map(issues.map((i) => [i.id, store.sessionsForIssue(i.id)]));
    return {
      issues: Object.fromEntries(issues.map((i) => [i.id, i])),
      merges: store.listMerges(),
      sessions: (id: string) => sessions.get(id) ?? [],
      snapshots: store.listSnapshots(),
    };
  } finally {
    store.close();
  }
}

describe('harness run --worktrees with the merge queue', () => {
  it('lands every agent that edited a different file, each verified, and cleans up', async () => {
    const ids = ['A', 'B', 'C', 'D'];
    const p = project(
      ids.map((id) => ({ id, body: `file: ${id}.txt` })),
      // A slow verify keeps branches waiting, so the metrics see the queue.
      { merge: { verify: [process.execPath, '-e', 'setTimeout(() => {}, 400)'] } },
    );
    expect(await p.run()).toBe(0);

    const state = p.state();
    expect(Object.values(state.issues).map((i) => i.status)).toEqual(['done', 'done', 'done', 'done']);
    expect(state.merges.map((m) => [m.state, m.reason])).toEqual(ids.map(() => ['landed', null]));
    expect(subjects(p.temp.repo).slice(1).sort()).toEqual(ids.map((id) => `${id}: fix ${id}`));
    // The order on main is the order the branches were queued in.
    expect(subjects(p.temp.repo).slice(1)).toEqual(state.merges.map((m) => `${m.issueId}: fix ${m.issueId}`));
    expect(git(p.temp.repo, 'status', '--porcelain', '--untracked-files=no')).toBe('');
    expect(git(p.temp.repo, 'for-each-ref', 'refs/heads/harness/')).toBe('');
    expect(git(p.temp.repo, 'worktree', 'list').split('\n')).toHaveLength(2);
    expect(Math.max(...state.snapshots.map((s) => s.mergeQueueDepth))).toBeGreaterThan(0);
  });

  it('lands the first of two edits to the same lines and redoes the second on the new target', async () => {
    const p = project(
      [
        { id: 'A', body: 'file: shared.txt' },
        { id: 'B', body: 'file: shared.txt\nsleep: 400' },
      ],
      {},
      { 'README.md': 'hello\n', 'shared.txt': 'original\n' },
    );
    expect(await p.run()).toBe(0);

    const state = p.state();
    expect(state.issues.A).toMatchObject({ status: 'done', attempts: 1 });
    expect(state.issues.B).toMatchObject({ status: 'done', attempts: 2 });
    expect(state.merges.map((m) => [m.issueId, m.state, m.reason])).toEqual([
      ['A', 'landed', null],
      ['B', 'rejected', 'conflict with main in shared.txt'],
      ['B', 'landed', null],
    ]);
    expect(readFileSync(join(p.temp.repo, 'shared.txt'), 'utf8')).toBe('B attempt 2\n');
    // B's second attempt started from main with A's change: its branch was a fast-forward.
    expect(subjects(p.temp.repo).slice(1)).toEqual(['A: fix A', 'B: fix B']);
  });

  it('fails a session that changed nothing, and says so', async () => {
    const p = project([{ id: 'A', body: 'commits: 0' }]);
    expect(await p.run()).toBe(1);
    expect(p.state().issues.A).toMatchObject({ status: 'failed', lastError: expect.stringMatching(/^no changes: /) });
    // The session succeeded, its issue did not: the line says both.
    expect(p.t.stdout()).toMatch(/✓ A attempt 1 success in \S+ → failed: no changes: /);
  });

  it('copies files into new worktrees and runs setup once per worktree, as part of the session', async () => {
    const counter = join(tmpdir(), `harness-setup-runs-${process.pid}-${Date.now()}`);
    cleanups.push(() => rmSync(counter, { force: true }));
    const p = project(
      [
        { id: 'A', body: 'file: a.txt\nneeds: .env setup-ran' },
        { id: 'B', body: 'file: b.txt\nneeds: .env setup-ran\nfail: 1' },
      ],
      {
        workspace: {
          copy: ['.env'],
          setup: [process.execPath, '-e', `require('fs').writeFileSync('setup-ran', ''); require('fs').appendFileSync(${JSON.stringify(counter)}, 'x')`],
        },
      },
    );
    writeFileSync(join(p.temp.repo, '.env'), 'SECRET=1\n');
    writeFileSync(join(p.temp.repo, '.git', 'info', 'exclude'), '.env\nsetup-ran\n');
    expect(await p.run()).toBe(0);
    const state = p.state();
    expect(state.issues.B).toMatchObject({ status: 'done', attempts: 2 });
    // Two worktrees, two setups: B's retry reused its worktree.
    expect(readFileSync(counter, 'utf8')).toBe('xx');
    const firstLog = readFileSync(state.sessions('A')[0]?.logPath ?? '', 'utf8');
    expect(firstLog).toContain('harness: setting up the worktree');
    // Copied and set-up files never reach the target.
    expect(existsSync(join(p.temp.repo, 'setup-ran'))).toBe(false);
    expect(git(p.temp.repo, 'ls-tree', '-r', '--name-only', 'main')).not.toContain('.env');
  });

  it('refuses a run without worktrees on a state file whose issues wait to merge', async () => {
    const p = project([{ id: 'A', body: 'file: a.txt' }]);
    const store = openStore(join(p.temp.repo, '.harness', 'state.db'));
    store.importIssues([{ id: 'A', title: 'fix A', body: '', priority: 2, labels: [] }], 1);
    store.admit(1, 2);
    startSessionOn(store, { sessionId: 's1', issueId: 'A', workerId: 'w1', now: 3, logPath: null });
    store.finishSession('s1', { outcome: 'success', endedAt: 4 }, { status: 'merging', branch: 'harness/A' });
    store.close();
    const code = await main(['run', '--issues', join(p.temp.root, 'issues.jsonl'), '--agent', `"${process.execPath}" "${AGENT}"`], p.t.io);
    expect(code).toBe(2);
    expect(p.t.stderr()).toContain('1 issue(s) in this state file are waiting to merge from a worktree run: run with --worktrees to land them');
  });

  it('refuses to start while the target branch is checked out with uncommitted changes', async () => {
    const p = project([{ id: 'A', body: 'file: a.txt' }]);
    writeFileSync(join(p.temp.repo, 'README.md'), 'half-done edit\n');
    expect(await p.run()).toBe(2);
    expect(p.t.stderr()).toMatch(/merge target main is checked out in .*, which has uncommitted changes \(README\.md\)/);
    expect(existsSync(join(p.temp.repo, '.harness', 'worktrees'))).toBe(false);
  });
});
