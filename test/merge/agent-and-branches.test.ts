import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/open.js';
import { WorktreeManager } from '../../src/workspace/worktree.js';
import { guardProcesses, makeIO, writeIssues } from '../helpers/cli.js';
import { GIT_ENV, commitFile, git, makeRepo, subjects } from './repo.js';
import { startSessionOn } from '../helpers/store.js';

/**
 * `harness run --worktrees` with a relative agent path, leftover branches
 * from a state that is gone, and `harness clean`.
 */

const AGENT = join(import.meta.dirname, '..', 'fixtures', 'merge', 'edit-agent.mjs');
const FAST = ['--min-workers', '1', '--max-workers', '2', '--health-interval', '100ms', '--cooldown', '200ms', '--retry-delay', '100ms', '--kill-grace', '300ms'];

const { cleanups, markers } = guardProcesses();

function project(issues: { id: string; body: string }[], config: object = {}) {
  const temp = makeRepo();
  cleanups.push(temp.cleanup);
  const issuesFile = writeIssues(temp.root, issues.map((i) => ({ title: `fix ${i.id}`, ...i })));
  const configFile = join(temp.root, 'harness.config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const io = () => {
    const t = makeIO(temp.repo, GIT_ENV);
    markers.push(t.marker);
    return t;
  };
  const run = async (agent: string[] = ['--agent', `"${process.execPath}" "${AGENT}"`]) => {
    const t = io();
    const code = await main(['run', '--issues', issuesFile, '--config', configFile, '--worktrees', ...agent, ...FAST], t.io);
    return { code, stdout: t.stdout(), stderr: t.stderr() };
  };
  const clean = async (extra: string[] = []) => {
    const t = io();
    const code = await main(['clean', '--config', configFile, ...extra], t.io);
    return { code, stdout: t.stdout(), stderr: t.stderr() };
  };
  return { temp, repo: temp.repo, run, clean };
}

const branches = (repo: string) => git(repo, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/harness/').split('\n').filter(Boolean);

describe('the agent command in worktree mode', () => {
  it('runs a relative agent path from the directory harness started in, though sessions run in worktrees', async () => {
    const p = project([{ id: 'A', body: 'file: a.txt' }]);
    // Not committed, so it exists only in the main checkout, never in a worktree.
    mkdirSync(join(p.repo, 'tools'));
    writeFileSync(join(p.repo, 'tools', 'agent'), `#!/bin/sh\nexec "${process.execPath}" "${AGENT}" "$@"\n`, { mode: 0o755 });
    writeFileSync(join(p.repo, '.git', 'info', 'exclude'), 'tools/\n');
    const result = await p.run(['--agent', 'tools/agent']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(subjects(p.repo).slice(1)).toEqual(['A: fix A']);
  });

  it('says that a file which exists but is not executable is not executable, before anything starts', async () => {
    const p = project([{ id: 'A', body: 'file: a.txt' }]);
    writeFileSync(join(p.repo, 'agent.sh'), '#!/bin/sh\n');
    chmodSync(join(p.repo, 'agent.sh'), 0o644);
    const result = await p.run(['--agent', './agent.sh']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`harness: agent command ./agent.sh is not executable: chmod +x ${join(p.repo, 'agent.sh')} (or run it through its interpreter, e.g. --agent "sh ./agent.sh")\n`);
    expect(existsSync(join(p.repo, '.harness', 'worktrees'))).toBe(false);
  });
});

describe('a harness/<id> branch left by a state that is gone', () => {
  it('refuses to build on its work, naming the branch and how to keep or drop it, and runs once it is gone', async () => {
    const p = project([{ id: 'A', body: 'file: a.txt' }, { id: 'B', body: 'file: b.txt' }]);
    git(p.repo, 'branch', 'harness/A');
    git(p.repo, 'switch', '-q', 'harness/A');
    commitFile(p.repo, 'old.txt', 'work of a run long gone\n', 'old work');
    git(p.repo, 'switch', '-q', 'main');

    const refused = await p.run();
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('1 branch(es) from an earlier run hold work this state knows nothing about');
    expect(refused.stderr).toContain('  harness/A (issue "A"): 1 commit(s) not on main');
    expect(refused.stderr).toContain('git branch -m harness/A <new-name>');
    expect(refused.stderr).toContain('git branch -D harness/A');
    expect(git(p.repo, 'log', '--format=%s', 'harness/A')).toBe('old work\ninitial');
    expect(existsSync(join(p.repo, '.harness', 'worktrees'))).toBe(false);

    git(p.repo, 'branch', '-D', 'harness/A');
    const after = await p.run();
    expect(after.code).toBe(0);
    expect(subjects(p.repo).slice(1).sort()).toEqual(['A: fix A', 'B: fix B']);
  });

  it('starts an issue afresh from the target when its leftover branch holds nothing', async () => {
    // The agent fails unless its worktree has what main has now.
    const p = project([{ id: 'A', body: 'file: a.txt\nneeds: later.txt' }]);
    // Made at the first commit, before main moved on: reusing it would start the agent on an old base.
    git(p.repo, 'branch', 'harness/A');
    const head = commitFile(p.repo, 'later.txt', 'main moved on\n', 'later');
    const result = await p.run();
    expect(result.code).toBe(0);
    expect(subjects(p.repo).slice(1)).toEqual(['later', 'A: fix A']);
    expect(git(p.repo, 'rev-parse', 'main~1')).toBe(head);
  });

  it('drops a leftover branch whose changes have landed (rebased), without refusing', async () => {
    const p = project([{ id: 'A', body: 'file: a.txt' }, { id: 'B', body: 'file: b.txt\nsleep: 300' }], { workspace: { keep: true } });
    expect((await p.run()).code).toBe(0);
    // B landed as a rebased copy: its branch tip is not on main, its change is.
    expect(git(p.repo, 'branch', '--no-merged', 'main', '--format=%(refname:short)')).toBe('harness/B');
    rmSync(join(p.repo, '.harness'), { recursive: true, force: true });
    git(p.repo, 'worktree', 'prune');
    const again = await p.run();
    expect(again.stderr).not.toContain('hold work this state knows nothing about');
    expect(again.code).not.toBe(2);
  });

  it('does not count the branch of an issue this state has run as left over', async () => {
    const p = project([{ id: 'A', body: 'file: a.txt' }], { workspace: { keep: true } });
    expect((await p.run()).code).toBe(0);
    expect(branches(p.repo)).toEqual(['harness/A']);
    expect((await p.run()).code).toBe(0);
  });
});

describe('harness clean', () => {
  it('removes harness worktrees and merged branches, keeps what holds work, and says which', async () => {
    const p = project([{ id: 'A', body: 'file: a.txt' }, { id: 'B', body: 'file: b.txt' }], { workspace: { keep: true } });
    expect((await p.run()).code).toBe(0);
    expect(branches(p.repo)).toEqual(['harness/A', 'harness/B']);
    // C: a branch with work not on main; B's worktree: an uncommitted edit.
    git(p.repo, 'branch', 'harness/C');
    const manager = await WorktreeManager.open({ repoDir: p.repo, worktreesDir: join(p.repo, '.harness', 'worktrees') });
    const c = await manager.prepare('C');
    commitFile(c.path, 'c.txt', 'unfinished\n', 'C: half done');
    await manager.removeWorktree(c.path);
    writeFileSync(join(p.repo, '.harness', 'worktrees', 'B', 'b.txt'), 'edited, not committed\n');

    const first = await p.clean();
    expect(first.code).toBe(0);
    expect(first.stdout.trim().split('\n')).toEqual([
      'removed worktree .harness/worktrees/A (branch harness/A)',
      'removed merge worktree .harness/merge',
      'removed branch harness/A (merged into main)',
      'kept worktree .harness/worktrees/B (branch harness/B): it has uncommitted changes (harness clean --force removes it)',
      'kept branch harness/C: 1 commit(s) not on main (git branch -D harness/C deletes it)',
    ]);
    expect(branches(p.repo)).toEqual(['harness/B', 'harness/C']);

    const forced = await p.clean(['--force']);
    expect(forced.stdout.trim().split('\n')).toEqual([
      'removed worktree .harness/worktrees/B (branch harness/B)',
      'removed branch harness/B (merged into main)',
      'kept branch harness/C: 1 commit(s) not on main (git branch -D harness/C deletes it)',
    ]);
    git(p.repo, 'branch', '-D', 'harness/C');
    expect((await p.clean()).stdout).toBe('nothing to clean: no harness worktrees or harness/* branches\n');
    expect(git(p.repo, 'worktree', 'list').split('\n')).toHaveLength(1);
  });

  it('leaves alone the worktree and branch of an issue a live harness is running', async () => {
    const p = project([{ id: 'A', body: 'file: a.txt' }, { id: 'B', body: 'file: b.txt' }]);
    const manager = await WorktreeManager.open({ repoDir: p.repo, worktreesDir: join(p.repo, '.harness', 'worktrees') });
    await manager.prepare('A');
    await manager.prepare('B');
    // This test process stands in for the live harness: it holds the run lock while A runs.
    const store = openStore(join(p.repo, '.harness', 'state.db'));
    store.importIssues([{ id: 'A', title: 'fix A', body: '', priority: 2, labels: [] }, { id: 'B', title: 'fix B', body: '', priority: 2, labels: [] }], 1);
    expect(store.acquireRunLock({ pid: process.pid, hostname: hostname(), startedAt: Date.now(), heartbeatAt: Date.now() }, () => true)).toEqual({ acquired: true });
    store.admit(1, 2);
    startSessionOn(store, { sessionId: 's1', issueId: 'A', workerId: 'worker-1', now: 3, logPath: null });
    store.close();

    const result = await p.clean();
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      'removed worktree .harness/worktrees/B (branch harness/B)',
      'removed branch harness/B (merged into main)',
      `kept worktree .harness/worktrees/A (branch harness/A): issue "A" is in progress; the live harness (pid ${process.pid} on ${hostname()}) is using it`,
    ]);
    expect(branches(p.repo)).toEqual(['harness/A']);
  });

  it('removes the worktrees of worker mode, whatever a session left in them, unless a live harness holds the state', async () => {
    const p = project([]);
    const workers = join(p.repo, '.harness', 'workers');
    git(p.repo, 'worktree', 'add', '-q', '--detach', join(workers, 'worker-1'), 'main');
    git(p.repo, 'worktree', 'add', '-q', '-b', 'harness/D', join(workers, 'worker-2'), 'main');
    writeFileSync(join(workers, 'worker-2', 'scratch.txt'), 'left by a session\n');
    const store = openStore(join(p.repo, '.harness', 'state.db'));
    expect(store.acquireRunLock({ pid: process.pid, hostname: hostname(), startedAt: Date.now(), heartbeatAt: Date.now() }, () => true)).toEqual({ acquired: true });
    store.close();
    const who = `the live harness (pid ${process.pid} on ${hostname()}) is using it`;
    expect((await p.clean()).stdout.trim().split('\n')).toEqual([
      `kept worker worktree .harness/workers/worker-1: ${who}`,
      `kept worker worktree .harness/workers/worker-2 (branch harness/D): ${who}`,
    ]);

    const released = openStore(join(p.repo, '.harness', 'state.db'));
    released.releaseRunLock(process.pid);
    released.close();
    expect((await p.clean()).stdout.trim().split('\n')).toEqual([
      'removed worker worktree .harness/workers/worker-1',
      'removed worker worktree .harness/workers/worker-2 (branch harness/D)',
      'removed branch harness/D (merged into main)',
    ]);
    expect(git(p.repo, 'worktree', 'list').split('\n')).toHaveLength(1);
  });

  it('says so outside a git repository', async () => {
    const p = project([]);
    const t = makeIO(p.temp.root);
    expect(await main(['clean'], t.io)).toBe(2);
    expect(t.stderr()).toMatch(/needs a git repository/);
  });
});
