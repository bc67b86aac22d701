import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isInside, samePath, type Git } from '../git/index.js';
import type { HookContext } from '../hooks/env.js';
import type { WorkspaceProvider, WorkspaceRequest } from '../runtime/coordinator-types.js';
import { sanitizeIssueId } from './sanitize.js';
import { BRANCH_PREFIX, WorktreeError } from './worktree.js';

export interface WorkerWorkspacesOptions {
  git: Git;
  /** Where worker worktrees live, e.g. `.harness/workers` (absolute). */
  workersDir: string;
  /** Where each issue's new branch starts: the merge target. */
  baseBranch: string;
  /** workspace.copy into a worktree: when it is made, and again after each reset (which removes untracked copies). */
  copyFiles(dir: string): void;
  /** afterCreate (a failure fails the preparation) and beforeRemove (never fails). */
  hooks?: { afterCreate(context: HookContext): Promise<void>; beforeRemove(context: HookContext): Promise<void> } | null;
}

/**
 * Worker mode: one git worktree per worker, `<workersDir>/<worker id>`,
 * kept for the worker's life. Before each session it is reset to the
 * issue's branch (`harness/<issue>`, made from the target when new, so the
 * merge queue lands each issue's commits as in worktree mode): tracked
 * files are reset and untracked files removed, but ignored files stay
 * (`git clean -fd`, not `-x`), so what workspace.setup installed
 * (node_modules) is there for the next issue and setup runs once per
 * worker. After the session the worktree lets go of the branch (detached
 * HEAD), so the merge queue may delete or restart it. A worker that
 * retires takes its worktree with it (beforeRemove first); worktrees left
 * by a harness that died are removed when the next run holds the lock.
 */
export class WorkerWorkspaces implements WorkspaceProvider {
  /** Worktrees this run made, by worker. */
  private readonly live = new Map<string, string>();
  private readonly removals = new Set<Promise<void>>();

  constructor(private readonly options: WorkerWorkspacesOptions) {}

  /** The worktree a worker uses, whether or not it exists yet. */
  locate(workerId: string): string {
    return join(this.options.workersDir, sanitizeIssueId(workerId));
  }

  async prepare(issueId: string, request?: WorkspaceRequest): Promise<{ path: string; branch: string }> {
    if (!request) throw new WorktreeError(`worker workspaces need the worker a session of ${JSON.stringify(issueId)} runs on`);
    const path = this.locate(request.workerId);
    if (!this.live.has(request.workerId) || !existsSync(path)) await this.create(path, request);
    const branch = `${BRANCH_PREFIX}${sanitizeIssueId(issueId)}`;
    await this.switchTo(path, branch);
    this.options.copyFiles(path);
    return { path, branch };
  }

  /** Let go of the issue's branch, keeping the files: HEAD is detached where the branch is. */
  async release(request: WorkspaceRequest): Promise<void> {
    const path = this.live.get(request.workerId);
    if (path === undefined || !existsSync(path)) return;
    const { git } = this.options;
    // A rebase the agent left half done keeps its branch checked out: drop it (the branch keeps its commits).
    await git.try(['rebase', '--quit'], path);
    if ((await git.try(['checkout', '--quiet', '--detach'], path)).code === 0) return;
    const head = await git.commitOf('HEAD', path);
    if (head !== null) await git.try(['update-ref', '--no-deref', 'HEAD', head], path);
  }

  retire(workerId: string): void {
    const removal: Promise<void> = this.remove(workerId).finally(() => this.removals.delete(removal));
    this.removals.add(removal);
  }

  /** Worktrees a harness that died left (this run has made none yet): beforeRemove, then removed. */
  async recover(): Promise<void> {
    const { workersDir } = this.options;
    if (!existsSync(workersDir)) return;
    const names = readdirSync(workersDir, { withFileTypes: true }).filter((entry) => entry.isDirectory());
    await Promise.all(
      names.map(async ({ name }) => {
        const path = join(workersDir, name);
        if ([...this.live.values()].includes(path)) return;
        await this.options.hooks?.beforeRemove({ workspace: path, workerId: name });
        await this.discard(path);
      }),
    );
  }

  /** The run is over: every worker's worktree goes. */
  async close(): Promise<void> {
    await Promise.all([...this.removals]);
    await Promise.all([...this.live.keys()].map((workerId) => this.remove(workerId)));
  }

  private async create(path: string, request: WorkspaceRequest): Promise<void> {
    const { git, workersDir, baseBranch } = this.options;
    // A directory left by a crash half-way through `worktree add` would make the add fail.
    await this.discard(path);
    mkdirSync(workersDir, { recursive: true });
    const ignore = join(workersDir, '.gitignore');
    if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
    await git.run(['worktree', 'add', '--quiet', '--detach', path, baseBranch]);
    try {
      this.options.copyFiles(path);
      const { workerId, issueId, sessionId, attempt } = request;
      await this.options.hooks?.afterCreate({ workspace: path, workerId, issue: { id: issueId }, sessionId, attempt });
    } catch (error) {
      await this.discard(path);
      throw error;
    }
    this.live.set(request.workerId, path);
  }

  /** Reset the worktree onto the issue's branch: its own when it has one (a retry), else a new one from the target. */
  private async switchTo(path: string, branch: string): Promise<void> {
    const { git, baseBranch } = this.options;
    await this.freeBranch(branch, path);
    await git.try(['rebase', '--quit'], path);
    // Tracked files back as committed, and any merge or cherry-pick state gone.
    await git.run(['reset', '--quiet', '--hard'], path);
    if (await git.branchExists(branch)) await git.run(['checkout', '--quiet', '--force', branch], path);
    else await git.run(['checkout', '--quiet', '--force', '--no-track', '-b', branch, baseBranch], path);
    // Untracked files go, ignored ones (what setup installed) stay.
    await git.run(['clean', '--quiet', '-d', '--force'], path);
  }

  /**
   * A session stopped while its workspace was being prepared never ran, so
   * nothing let go of its branch: another worker's worktree may still have
   * it checked out. No two sessions of an issue run at once, so that worker
   * is done with it.
   */
  private async freeBranch(branch: string, except: string): Promise<void> {
    const { git, workersDir } = this.options;
    for (const worktree of await git.worktrees()) {
      if (worktree.branch === branch && !samePath(worktree.path, except) && isInside(workersDir, worktree.path)) {
        await git.try(['checkout', '--quiet', '--detach'], worktree.path);
      }
    }
  }

  private async remove(workerId: string): Promise<void> {
    const path = this.live.get(workerId);
    if (path === undefined) return;
    this.live.delete(workerId);
    await this.options.hooks?.beforeRemove({ workspace: path, workerId });
    await this.discard(path);
  }

  /** Remove a worktree directory and whatever git still records about it; a worktree git refuses to remove is deleted all the same. */
  private async discard(path: string): Promise<void> {
    const { git } = this.options;
    if (existsSync(path)) await git.try(['worktree', 'remove', '--force', '--force', path]);
    await rm(path, { recursive: true, force: true });
    await git.try(['worktree', 'prune']);
  }
}
