import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionRunner, SessionSpec } from '../../src/agents/types.js';
import { EventBus } from '../../src/core/events.js';
import { gitRunner, type GitRunner } from '../../src/git/index.js';
import { MergeQueue } from '../../src/merge/queue.js';
import type { Merger } from '../../src/merge/merger.js';
import { Coordinator } from '../../src/runtime/coordinator.js';
import { NO_PROCESSES } from '../../src/runtime/processes.js';
import { MemoryStore } from '../../src/store/memory/index.js';
import { cleanWorkspaces } from '../../src/workspace/clean.js';
import { clearLeftoverBranches } from '../../src/workspace/leftovers.js';
import { WorktreeManager } from '../../src/workspace/worktree.js';
import { commitFile, git, makeRepo, type TempRepo } from '../merge/repo.js';

/**
 * Git runs on the run's event path (a session's worktree, a successful
 * branch's assessment): it must never hold the event loop while it runs.
 */

// While `forbidden` is set, a synchronous child process is refused and recorded.
const sync = vi.hoisted(() => ({ forbidden: false, calls: [] as string[] }));
vi.mock('node:child_process', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:child_process')>();
  const guard =
    <F extends (...args: never[]) => unknown>(name: string, call: F) =>
    (...args: Parameters<F>): ReturnType<F> => {
      if (sync.forbidden) {
        sync.calls.push(`${name} ${String(args[0])} ${JSON.stringify(args[1] ?? [])}`);
        throw new Error(`${name} while the event loop must stay free`);
      }
      return call(...args) as ReturnType<F>;
    };
  return { ...real, execFileSync: guard('execFileSync', real.execFileSync), spawnSync: guard('spawnSync', real.spawnSync), execSync: guard('execSync', real.execSync) };
});

let temp: TempRepo;
beforeEach(() => {
  temp = makeRepo();
});
afterEach(() => {
  sync.forbidden = false;
  sync.calls.length = 0;
  temp.cleanup();
});

/** A runner whose sessions succeed as soon as they start, recording where they ran. */
function instantRunner(started: SessionSpec[]): SessionRunner {
  return {
    start(spec, callbacks) {
      started.push(spec);
      setImmediate(() => callbacks.onExit({ exitCode: 0, signal: null }));
      return { pid: null, pgid: null, kill: () => {} };
    },
  };
}

/** Real git, except that `git worktree add` of `held` waits until `release()` is called. */
function holdingRunner(held: string): { run: GitRunner; holding: Promise<void>; release(): void } {
  const real = gitRunner();
  let release!: () => void;
  let holding!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const reached = new Promise<void>((resolve) => (holding = resolve));
  return {
    run: async (args, cwd) => {
      if (args[0] === 'worktree' && args[1] === 'add' && args.some((a) => a.endsWith(`/${held}`))) {
        holding();
        await released;
      }
      return real(args, cwd);
    },
    holding: reached,
    release,
  };
}

describe('git on the event path', () => {
  it('runs other sessions to their end while one worktree is still being made', async () => {
    const gate = holdingRunner('SLOW');
    const workspaces = await WorktreeManager.open({ repoDir: temp.repo, worktreesDir: '.harness/worktrees', run: gate.run });
    const store = new MemoryStore();
    const started: SessionSpec[] = [];
    const coordinator = new Coordinator(
      {
        // SLOW is the more urgent: it is claimed, and its worktree begun, first.
        issues: [
          { id: 'SLOW', title: 'slow', body: '', priority: 1, labels: [] },
          { id: 'FAST', title: 'fast', body: '', priority: 2, labels: [] },
        ],
        store,
        runner: instantRunner(started),
        workspaces,
      },
      { cwd: temp.repo, maxWorkers: 2, enableScaleManager: false, processes: NO_PROCESSES, lock: false },
    );
    const ended: string[] = [];
    coordinator.events.on('session:ended', (e) => {
      ended.push(`${e.issueId} ${e.outcome} ${e.issueStatus}`);
      // FAST has been prepared, run and recorded while SLOW's `worktree add` was still held.
      if (e.issueId === 'FAST') gate.release();
    });
    const summary = coordinator.run();
    await gate.holding;
    const result = await summary;

    expect(ended).toEqual(['FAST success done', 'SLOW success done']);
    expect(started.map((s) => [s.issue.id, s.cwd])).toEqual([
      ['FAST', join(temp.repo, '.harness/worktrees/FAST')],
      ['SLOW', join(temp.repo, '.harness/worktrees/SLOW')],
    ]);
    expect(result.issues.done).toBe(2);
  });

  it('prepares several worktrees at once, each on its own branch', async () => {
    const workspaces = await WorktreeManager.open({ repoDir: temp.repo, worktreesDir: '.harness/worktrees' });
    const ids = ['A', 'B', 'C', 'D', 'E', 'F'];
    const prepared = await Promise.all(ids.map((id) => workspaces.prepare(id)));
    expect(prepared.map((p) => p.branch)).toEqual(ids.map((id) => `harness/${id}`));
    for (const p of prepared) expect(git(p.path, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe(p.branch);
    expect((await workspaces.list()).map((w) => w.branch).sort()).toEqual(ids.map((id) => `harness/${id}`));
  });

  it('starts no synchronous child process to prepare, assess, clean or check for leftovers', async () => {
    const workspaces = await WorktreeManager.open({ repoDir: temp.repo, worktreesDir: '.harness/worktrees' });
    const { path, branch } = await workspaces.prepare('A');
    commitFile(path, 'a.txt', 'a\n', 'A: edit a.txt');
    git(temp.repo, 'branch', 'harness/LEFT');
    const store = new MemoryStore();
    store.importIssues([{ id: 'A', title: 'a', body: '', priority: 2, labels: [] }], 1);
    const issue = store.getIssue('A')!;
    const merger = { cleanUpLater: () => {}, wake: () => {} } as unknown as Merger;
    const queue = new MergeQueue({ store, events: new EventBus(), workspaces, merger, target: 'main', requireCommits: true });

    sync.forbidden = true;
    const again = await WorktreeManager.open({ repoDir: temp.repo, worktreesDir: '.harness/worktrees' });
    expect(await again.prepare('A')).toEqual({ path, branch, reused: true });
    await again.prepare('B');
    expect(await queue.assess(issue, branch)).toEqual({ status: 'merging', head: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(await clearLeftoverBranches(again, ['LEFT'], () => false)).toEqual([]);
    const report = await cleanWorkspaces(again, { inUse: new Map(), mergeWorktree: join(temp.repo, '.harness/merge'), mergeInUse: null, force: true });
    sync.forbidden = false;

    expect(sync.calls).toEqual([]);
    expect(report.removed).toContain('worktree .harness/worktrees/B (branch harness/B)');
    expect(report.kept).toEqual(['branch harness/A: 1 commit(s) not on main (git branch -D harness/A deletes it)']);
  });
});
