import { realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { HarnessConfig } from '../config/types.js';
import type { EventBus } from '../core/events.js';
import type { Clock } from '../runtime/clock.js';
import type { ProcessInspector } from '../runtime/coordinator-types.js';
import { systemProcesses } from '../runtime/processes.js';
import { isPromise } from '../runtime/engine-ports.js';
import type { Answering, QueryPort } from '../store/ports.js';
import type { LifecycleHooks } from '../hooks/lifecycle.js';
import type { WorkspaceProvider } from '../runtime/coordinator-types.js';
import { WorkerWorkspaces } from '../workspace/workers.js';
import { checkCopySources, copyInto, withSetup } from '../workspace/bootstrap.js';
import { clearLeftoverBranches, leftoverError } from '../workspace/leftovers.js';
import { WorktreeManager } from '../workspace/worktree.js';
import { Git, gitRunner } from '../git/index.js';
import type { MergeLeadership } from './leadership.js';
import { leaderOnly, type MergeStore } from './merge-store.js';
import { MergeWorktree } from './merge-worktree.js';
import { Merger } from './merger.js';
import { SharedRemote } from './shared-remote.js';
import { MergeQueue } from './queue.js';
import { checkCommitterIdentity, MergeSetupError, TargetBranch } from './target.js';

/** Wait (ms) before trying again when the target's checkout is dirty or a pull request could not be opened. */
export const MERGE_RETRY_MS = 5000;

export interface WorktreeRunOptions {
  /** The project repository (its main working tree). */
  repoDir: string;
  /** Where harness keeps its files (beside the state database): worktrees, the merge worktree, logs. */
  harnessDir: string;
  /** The state's log directory; verify and setup logs go to `<logDir>/merge/`. Default: `<harnessDir>/logs`. */
  logDir?: string;
  config: Readonly<HarnessConfig>;
  /** The state's store; in a fleet, the shared one (answering with promises). */
  store: MergeStore & Pick<Answering<QueryPort>, 'sessionsForIssue'>;
  /**
   * In a fleet: the merge lease. Every coordinator queues its branches;
   * only the lease's holder merges them (see leadership.ts).
   */
  leadership?: MergeLeadership | null;
  /** In a fleet, how often (ms) the leader looks for entries the others queued. Default 1 s. */
  mergePollMs?: number;
  /** The coordinator's event bus: the queue emits merge:* on it. */
  events: EventBus;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  processes?: Pick<ProcessInspector, 'belongsToSession' | 'killGroup'>;
  /** Ids of the issues about to be imported; with the store's own, checked for branches an earlier state left. */
  issueIds?: readonly string[];
  retryMs?: number;
  /** The lifecycle hooks: afterCreate for each new worktree, beforeRemove before harness removes one. */
  hooks?: Pick<LifecycleHooks, 'afterCreate' | 'beforeRemove'> | null;
}

export interface WorktreeRun {
  /** The issue worktrees and branches (in worker mode, the branches only: the worktrees are the workers'). */
  workspaces: WorktreeManager;
  /** Where sessions run: the issue worktrees (`worktree` mode) or the workers' (`worker` mode). */
  provider: WorkspaceProvider;
  merge: MergeQueue;
  /** The session command: the agent, behind the setup script when workspace.setup is set. */
  agentCommand: string[];
  /**
   * In a fleet, where this coordinator's branches can be merged from
   * (CoordinatorInfo.checkout): the shared remote's URL, or this checkout.
   */
  mergesIn: string;
}

/**
 * Everything worktree (and worker) mode needs, checked before the run starts: the target
 * branch exists (and its checkout is clean, since landings fast-forward it),
 * git can make commits, the files to copy are there, and no issue's branch
 * holds work from a state that is gone (workspace/leftovers.ts). Every
 * refusal is a typed error with the fix (exit 2).
 */
export async function setUpWorktreeRun(options: WorktreeRunOptions): Promise<WorktreeRun> {
  const { repoDir, harnessDir, config, store, events, clock, env } = options;
  const { merge, workspace } = config;
  const copyFiles = (dir: string): void => copyInto(repoDir, dir, workspace.copy);
  const hooks = options.hooks ?? null;
  // One runner for the issue worktrees and the merge queue: git with the run's environment.
  const run = gitRunner(env);
  // First, as it explains best what is wrong with a directory that is not a repository.
  // In a fleet of checkouts (set below), new branches start from the target as the remote has it.
  let followRemote: (() => Promise<void>) | undefined;
  const workspaces = await WorktreeManager.open({
    repoDir,
    worktreesDir: join(harnessDir, 'worktrees'),
    ...(merge.target !== null ? { baseBranch: merge.target } : {}),
    run,
    beforeBranch: () => followRemote?.() ?? Promise.resolve(),
    bootstrap: async (worktree, request) => {
      copyFiles(worktree.path);
      const { issueId, sessionId = null, workerId = null, attempt = null } = request;
      await hooks?.afterCreate({ workspace: worktree.path, issue: { id: issueId }, sessionId, workerId, attempt });
    },
  });
  const git = new Git(workspaces.repoDir, run);
  const target = await TargetBranch.resolve(git, merge.target);
  if (merge.mode === 'local') {
    await target.checkClean();
    await checkCommitterIdentity(git);
  }
  checkCopySources(repoDir, workspace.copy);
  const listed = store.listIssues();
  const issueIds = new Set([...(options.issueIds ?? []), ...(isPromise(listed) ? await listed : listed).map((issue) => issue.id)]);
  const leftovers = await clearLeftoverBranches(workspaces, issueIds, (id) => {
    const sessions = store.sessionsForIssue(id);
    return isPromise(sessions) ? sessions.then((s) => s.length > 0) : sessions.length > 0;
  });
  if (leftovers.length > 0) throw leftoverError(leftovers, workspaces);

  const leadership = options.leadership ?? null;
  // A fleet that pushes its target (or opens pull requests) merges through that remote, so its coordinators may work in checkouts of their own.
  const shared = merge.mode === 'pr' ? (merge.push ?? 'origin') : merge.push;
  const remote = leadership && shared !== null ? new SharedRemote(git, shared, target) : null;
  if (remote) {
    // Work built on commits the remote lacks would carry them onto the fleet's target: refuse to start on them.
    const standing = await remote.follow();
    if (standing === 'ahead' || standing === 'diverged') {
      throw new MergeSetupError(
        `${target.branch} here has commits ${remote.remote}'s ${target.branch} lacks${standing === 'diverged' ? ', and lacks some of its' : ''}: ` +
          `the fleet's issues start from and land on ${remote.remote}'s ${target.branch}, so push them first (git push ${remote.remote} ${target.branch}) or drop them ` +
          `(git fetch ${remote.remote} && git reset --keep ${remote.remote}/${target.branch}), then run again`,
      );
    }
    followRemote = async () => {
      await remote.follow().catch(() => 'unknown');
    };
  }
  const merger = new Merger(
    {
      store: leadership ? leaderOnly(store, leadership) : store,
      leadership,
      remote,
      ...(options.mergePollMs !== undefined ? { pollMs: options.mergePollMs } : {}),
      events,
      clock,
      git,
      target,
      worktree: new MergeWorktree(git, join(harnessDir, 'merge')),
      locate: (issueId) => workspaces.locate(issueId),
      copyFiles,
      processes: options.processes ?? systemProcesses,
      ...(hooks ? { beforeRemove: (issueId: string, path: string) => hooks.beforeRemove({ workspace: path, issue: { id: issueId } }) } : {}),
    },
    {
      mode: merge.mode,
      strategy: merge.strategy,
      verify: merge.verify,
      batchSize: merge.batchSize,
      push: merge.push,
      maxAttempts: config.maxAttempts,
      setup: workspace.setup,
      keep: workspace.keep,
      logDir: options.logDir ?? join(harnessDir, 'logs'),
      commandTimeoutMs: config.sessionTimeoutMs,
      killGraceMs: config.killGraceMs,
      logMaxBytes: config.logMaxBytes,
      retryMs: options.retryMs ?? MERGE_RETRY_MS,
      env,
    },
  );
  const queue = new MergeQueue({
    store,
    events,
    workspaces,
    merger,
    target: target.branch,
    requireCommits: merge.requireCommits,
    publish: remote ? (branch, head) => remote.publish(branch, head) : undefined,
  });
  const provider =
    workspace.mode === 'worker'
      ? new WorkerWorkspaces({ git, workersDir: join(harnessDir, 'workers'), baseBranch: workspaces.baseBranch, copyFiles, hooks })
      : workspaces;
  const mergesIn = remote ? `remote:${await remoteUrl(git, remote.remote)}` : `${hostname()}:${realpathSync(workspaces.repoDir)}`;
  return { workspaces, provider, merge: queue, agentCommand: withSetup(workspace.setup, config.agent.command), mergesIn };
}

/** The URL `remote` names (as git resolves it), which every checkout of the fleet must give alike. */
async function remoteUrl(git: Git, remote: string): Promise<string> {
  const out = await git.try(['remote', 'get-url', remote]);
  if (out.code !== 0) throw new MergeSetupError(`merge.push names the remote ${JSON.stringify(remote)}, which ${git.repoDir} does not have: add it (git remote add ${remote} <url>) or set merge.push to one it has`);
  return out.stdout.trim();
}
