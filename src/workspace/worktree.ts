import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { HarnessError } from '../errors.js';
import type { WorkspaceRequest } from '../runtime/coordinator-types.js';
import { Git, GitError, gitRunner, isInside, samePath, type GitRunner, type GitWorktree } from '../git/index.js';
import { sanitizeIssueId } from './sanitize.js';

/** The repository cannot host worktrees, or git refused an operation. Exit 2. */
export class WorktreeError extends HarnessError {
  override readonly exitCode = 2;
}

export interface WorktreeManagerOptions {
  /** The project repository (its main working tree). */
  repoDir: string;
  /** Where issue worktrees live, e.g. `.harness/worktrees`; relative paths are resolved against repoDir. */
  worktreesDir: string;
  /** Branch (or commit) new issue branches start from. Default: the branch checked out in repoDir now. */
  baseBranch?: string;
  /** How git is run; tests may replace it. Default: gitRunner(process.env), an async child process, never a shell. */
  run?: GitRunner;
  /**
   * Called before a new issue branch is made from baseBranch: in a fleet
   * of checkouts, to bring baseBranch up to the remote's (a best effort:
   * it must not throw).
   */
  beforeBranch?: () => Promise<void>;
  /**
   * Called once for each newly created worktree (never for a reused one),
   * e.g. to copy files git does not track, or run the afterCreate hook, with
   * whom the worktree is made for. If it throws (or rejects), the new
   * worktree is removed again (the branch stays), so the next prepare tries
   * afresh.
   */
  bootstrap?: (worktree: PreparedWorktree, request: Partial<WorkspaceRequest> & { issueId: string }) => void | Promise<void>;
}

export interface PreparedWorktree {
  path: string;
  branch: string;
  /** True when an existing worktree on the issue's branch was kept as it was. */
  reused: boolean;
}

export type WorktreeInfo = GitWorktree;

/** Branches harness creates are `harness/<sanitized issue id>`. */
export const BRANCH_PREFIX = 'harness/';

/**
 * One git worktree per issue, on its own branch, so agents working at the
 * same time never share a checkout. A retried issue gets its branch back
 * (and its worktree, when it is still there), so work carries over. Every
 * method is async: git runs as a child process while other sessions go on.
 * Create one with `WorktreeManager.open`.
 */
export class WorktreeManager {
  readonly repoDir: string;
  readonly worktreesDir: string;
  private readonly bootstrap: WorktreeManagerOptions['bootstrap'];
  private readonly beforeBranch: WorktreeManagerOptions['beforeBranch'];

  /** Check that `repoDir` can host worktrees (a repository with a commit) and settle the base branch. */
  static async open(options: WorktreeManagerOptions): Promise<WorktreeManager> {
    const git = new Git(resolve(options.repoDir), options.run ?? gitRunner());
    const needsRepo = `--worktrees needs a git repository with at least one commit: ${git.repoDir}`;
    const inside = await git.try(['rev-parse', '--is-inside-work-tree']);
    if (inside.code !== 0 || inside.stdout.trim() !== 'true') {
      throw new WorktreeError(`${needsRepo} (run \`git init\` there and commit, or run without --worktrees)`);
    }
    if ((await git.commitOf('HEAD')) === null) {
      throw new WorktreeError(`${needsRepo} (it has no commits yet: make a first commit)`);
    }
    return new WorktreeManager(options, git, options.baseBranch ?? (await currentBranch(git)));
  }

  private constructor(
    options: WorktreeManagerOptions,
    private readonly repo: Git,
    readonly baseBranch: string,
  ) {
    this.repoDir = repo.repoDir;
    this.worktreesDir = isAbsolute(options.worktreesDir) ? options.worktreesDir : resolve(this.repoDir, options.worktreesDir);
    this.bootstrap = options.bootstrap;
    this.beforeBranch = options.beforeBranch;
  }

  /** The worktree path and branch an issue uses, whether or not they exist yet. */
  locate(issueId: string): { path: string; branch: string } {
    const name = sanitizeIssueId(issueId);
    return { path: join(this.worktreesDir, name), branch: `${BRANCH_PREFIX}${name}` };
  }

  /** Create the issue's worktree, or reuse it when it is already checked out on the issue's branch. */
  async prepare(issueId: string, request?: WorkspaceRequest): Promise<PreparedWorktree> {
    const { path, branch } = this.locate(issueId);
    const existing = await this.find(path);
    if (existing?.branch === branch && existsSync(path)) return { path, branch, reused: true };

    // A worktree on the wrong branch, or a directory left by a crash half-way
    // through `worktree add`, would make the add fail: clear it. Only paths
    // inside worktreesDir reach here, and names cannot contain `/` or `..`.
    await this.discard(path, existing !== undefined);
    this.ensureWorktreesDir();

    // The branch first, then the worktree on it: an add that makes no branch can be tried again (src/git/run.ts).
    if (!(await this.repo.branchExists(branch))) {
      await this.beforeBranch?.();
      await this.git(['branch', branch, this.baseBranch]);
    }
    await this.git(['worktree', 'add', path, branch]);
    const prepared = { path, branch, reused: false };
    try {
      await this.bootstrap?.(prepared, { ...request, issueId });
    } catch (error) {
      await this.discard(path, true);
      throw error;
    }
    return prepared;
  }

  /** Commits on the issue's branch that baseBranch does not have; 0 when the branch does not exist. */
  async commitsAhead(issueId: string): Promise<number> {
    const { branch } = this.locate(issueId);
    if (!(await this.repo.branchExists(branch))) return 0;
    return this.branchCommitsAhead(branch);
  }

  /** The commit the local branch `branch` points at, or null when there is none. */
  branchHead(branch: string): Promise<string | null> {
    return this.repo.commitOf(`refs/heads/${branch}`);
  }

  /** Remove the issue's worktree (uncommitted changes included) and optionally its branch. */
  async remove(issueId: string, options: { deleteBranch: boolean }): Promise<void> {
    const { path, branch } = this.locate(issueId);
    await this.discard(path, (await this.find(path)) !== undefined);
    if (options.deleteBranch && (await this.repo.branchExists(branch))) await this.git(['branch', '-D', branch]);
  }

  /** Branches under `harness/` that exist now. */
  harnessBranches(): Promise<string[]> {
    return this.branchNames([`refs/heads/${BRANCH_PREFIX}`]);
  }

  /** Those of `harnessBranches()` whose every commit is on `into` (default: baseBranch). */
  mergedBranches(into: string = this.baseBranch): Promise<string[]> {
    return this.branchNames([`--merged=${into}`, `refs/heads/${BRANCH_PREFIX}`]);
  }

  /** Full ref names, not `refname:short`, which turns ambiguous with a tag of the same name. */
  private async branchNames(args: string[]): Promise<string[]> {
    return (await this.git(['for-each-ref', '--format=%(refname)', ...args]))
      .split('\n')
      .filter(Boolean)
      .map((ref) => ref.replace(/^refs\/heads\//, ''));
  }

  /**
   * Commits on `branch` whose change `into` (default: baseBranch) does not
   * have: rebased copies of a commit count as having it (git cherry's patch ids).
   */
  async branchChangesAhead(branch: string, into: string = this.baseBranch): Promise<number> {
    return (await this.git(['cherry', into, `refs/heads/${branch}`])).split('\n').filter((line) => line.startsWith('+')).length;
  }

  /** Commits on `branch` that `into` (default: baseBranch) does not have. */
  async branchCommitsAhead(branch: string, into: string = this.baseBranch): Promise<number> {
    return Number.parseInt((await this.git(['rev-list', '--count', `${into}..refs/heads/${branch}`])).trim(), 10) || 0;
  }

  /** Whether the worktree at `path` exists and has uncommitted changes, untracked files included. */
  async hasUncommittedChanges(path: string): Promise<boolean> {
    if (!existsSync(path)) return false;
    return (await this.git(['status', '--porcelain', '--ignore-submodules'], path)).trim() !== '';
  }

  /** Remove the worktree at `path` (uncommitted changes included). */
  async removeWorktree(path: string): Promise<void> {
    await this.discard(path, (await this.find(path)) !== undefined);
  }

  /** Delete `branch`, merged or not. */
  async deleteBranch(branch: string): Promise<void> {
    await this.git(['branch', '-D', branch]);
  }

  /** Worktrees under worktreesDir that git knows about. */
  async list(): Promise<WorktreeInfo[]> {
    return (await this.allWorktrees()).filter((w) => isInside(this.worktreesDir, w.path));
  }

  /** Remove a worktree directory and whatever git still records about it. */
  private async discard(path: string, registered: boolean): Promise<void> {
    if (registered && existsSync(path)) await this.git(['worktree', 'remove', '--force', path]);
    await rm(path, { recursive: true, force: true });
    // Forgets worktrees whose directory is gone, which would otherwise keep their branch "checked out".
    await this.git(['worktree', 'prune']);
  }

  private async find(path: string): Promise<WorktreeInfo | undefined> {
    return (await this.allWorktrees()).find((w) => samePath(w.path, path));
  }

  private allWorktrees(): Promise<WorktreeInfo[]> {
    return this.failsAs(this.repo.worktrees());
  }

  /** Keep issue worktrees out of the main checkout's `git status`. */
  private ensureWorktreesDir(): void {
    mkdirSync(this.worktreesDir, { recursive: true });
    const ignore = join(this.worktreesDir, '.gitignore');
    if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
  }

  /** Run git in the repository (or `cwd`); a failure is a WorktreeError naming the command and git's message. */
  private git(args: string[], cwd: string = this.repoDir): Promise<string> {
    return this.failsAs(this.repo.run(args, cwd));
  }

  private async failsAs<T>(call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (error) {
      throw error instanceof GitError ? new WorktreeError(error.message, { cause: error }) : error;
    }
  }
}

/** The branch checked out in the repository, or on a detached HEAD the commit: new branches start there. */
async function currentBranch(git: Git): Promise<string> {
  const branch = await git.try(['symbolic-ref', '--quiet', '--short', 'HEAD']);
  if (branch.code === 0) return branch.stdout.trim();
  const head = await git.commitOf('HEAD');
  if (head === null) throw new WorktreeError(`git rev-parse HEAD failed in ${git.repoDir}: no commit is checked out`);
  return head;
}
