import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { HarnessError } from '../errors.js';
import { sanitizeIssueId } from './sanitize.js';

/** Runs git with `args` in `cwd` and returns its stdout; throws when git fails. */
export type GitRun = (args: string[], cwd: string) => { stdout: string };

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
  /** How git is run; tests may replace it. Default: execFileSync('git', …), never a shell. */
  run?: GitRun;
  /**
   * Called once for each newly created worktree (never for a reused one),
   * e.g. to copy files git does not track. If it throws, the new worktree is
   * removed again (the branch stays), so the next prepare tries afresh.
   */
  bootstrap?: (worktree: PreparedWorktree) => void;
}

export interface PreparedWorktree {
  path: string;
  branch: string;
  /** True when an existing worktree on the issue's branch was kept as it was. */
  reused: boolean;
}

export interface WorktreeInfo {
  path: string;
  /** Short branch name, or null for a detached worktree. */
  branch: string | null;
  head: string | null;
}

/** Branches harness creates are `harness/<sanitized issue id>`. */
export const BRANCH_PREFIX = 'harness/';

export const defaultGitRun: GitRun = (args, cwd) => {
  try {
    const stdout = execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    });
    return { stdout };
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new WorktreeError(`git ${args.join(' ')} failed in ${cwd}${stderr ? `: ${stderr}` : ''}`, { cause: error });
  }
};

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/**
 * One git worktree per issue, on its own branch, so agents working at the
 * same time never share a checkout. A retried issue gets its branch back
 * (and its worktree, when it is still there), so work carries over.
 */
export class WorktreeManager {
  readonly repoDir: string;
  readonly worktreesDir: string;
  readonly baseBranch: string;
  private readonly run: GitRun;
  private readonly bootstrap: ((worktree: PreparedWorktree) => void) | undefined;

  constructor(options: WorktreeManagerOptions) {
    this.run = options.run ?? defaultGitRun;
    this.bootstrap = options.bootstrap;
    this.repoDir = resolve(options.repoDir);
    this.worktreesDir = isAbsolute(options.worktreesDir) ? options.worktreesDir : resolve(this.repoDir, options.worktreesDir);
    const needsRepo = `--worktrees needs a git repository with at least one commit: ${this.repoDir}`;
    if (!this.insideWorkTree()) {
      throw new WorktreeError(`${needsRepo} (run \`git init\` there and commit, or run without --worktrees)`);
    }
    if (!this.succeeds(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])) {
      throw new WorktreeError(`${needsRepo} (it has no commits yet: make a first commit)`);
    }
    this.baseBranch = options.baseBranch ?? this.currentBranch();
  }

  /** The worktree path and branch an issue uses, whether or not they exist yet. */
  locate(issueId: string): { path: string; branch: string } {
    const name = sanitizeIssueId(issueId);
    return { path: join(this.worktreesDir, name), branch: `${BRANCH_PREFIX}${name}` };
  }

  /** Create the issue's worktree, or reuse it when it is already checked out on the issue's branch. */
  prepare(issueId: string): PreparedWorktree {
    const { path, branch } = this.locate(issueId);
    const existing = this.find(path);
    if (existing?.branch === branch && existsSync(path)) return { path, branch, reused: true };

    // A worktree on the wrong branch, or a directory left by a crash half-way
    // through `worktree add`, would make the add fail: clear it. Only paths
    // inside worktreesDir reach here, and names cannot contain `/` or `..`.
    this.discard(path, existing !== undefined);
    this.ensureWorktreesDir();

    if (this.branchExists(branch)) this.git(['worktree', 'add', path, branch]);
    else this.git(['worktree', 'add', '-b', branch, path, this.baseBranch]);
    const prepared = { path, branch, reused: false };
    try {
      this.bootstrap?.(prepared);
    } catch (error) {
      this.discard(path, true);
      throw error;
    }
    return prepared;
  }

  /** Commits on the issue's branch that baseBranch does not have; 0 when the branch does not exist. */
  commitsAhead(issueId: string): number {
    const { branch } = this.locate(issueId);
    if (!this.branchExists(branch)) return 0;
    const out = this.git(['rev-list', '--count', `${this.baseBranch}..refs/heads/${branch}`]);
    return Number.parseInt(out.trim(), 10) || 0;
  }

  /** Remove the issue's worktree (uncommitted changes included) and optionally its branch. */
  remove(issueId: string, options: { deleteBranch: boolean }): void {
    const { path, branch } = this.locate(issueId);
    this.discard(path, this.find(path) !== undefined);
    if (options.deleteBranch && this.branchExists(branch)) this.git(['branch', '-D', branch]);
  }

  /** Branches under `harness/` that exist now. */
  harnessBranches(): string[] {
    return this.branchNames([`refs/heads/${BRANCH_PREFIX}`]);
  }

  /** Those of `harnessBranches()` whose every commit is on `into` (default: baseBranch). */
  mergedBranches(into: string = this.baseBranch): string[] {
    return this.branchNames([`--merged=${into}`, `refs/heads/${BRANCH_PREFIX}`]);
  }

  /** Full ref names, not `refname:short`, which turns ambiguous with a tag of the same name. */
  private branchNames(args: string[]): string[] {
    return this.git(['for-each-ref', '--format=%(refname)', ...args])
      .split('\n')
      .filter(Boolean)
      .map((ref) => ref.replace(/^refs\/heads\//, ''));
  }

  /**
   * Commits on `branch` whose change `into` (default: baseBranch) does not
   * have: rebased copies of a commit count as having it (git cherry's patch ids).
   */
  branchChangesAhead(branch: string, into: string = this.baseBranch): number {
    return this.git(['cherry', into, `refs/heads/${branch}`]).split('\n').filter((line) => line.startsWith('+')).length;
  }

  /** Commits on `branch` that `into` (default: baseBranch) does not have. */
  branchCommitsAhead(branch: string, into: string = this.baseBranch): number {
    return Number.parseInt(this.git(['rev-list', '--count', `${into}..refs/heads/${branch}`]).trim(), 10) || 0;
  }

  /** Whether the worktree at `path` exists and has uncommitted changes, untracked files included. */
  hasUncommittedChanges(path: string): boolean {
    if (!existsSync(path)) return false;
    return this.run(['status', '--porcelain', '--ignore-submodules'], path).stdout.trim() !== '';
  }

  /** Remove the worktree at `path` (uncommitted changes included). */
  removeWorktree(path: string): void {
    this.discard(path, this.find(path) !== undefined);
  }

  /** Delete `branch`, merged or not. */
  deleteBranch(branch: string): void {
    this.git(['branch', '-D', branch]);
  }

  /** Worktrees under worktreesDir that git knows about. */
  list(): WorktreeInfo[] {
    const root = canonical(this.worktreesDir);
    return this.allWorktrees().filter((w) => {
      const rel = relative(root, canonical(w.path));
      return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
    });
  }

  /** Remove a worktree directory and whatever git still records about it. */
  private discard(path: string, registered: boolean): void {
    if (registered && existsSync(path)) this.git(['worktree', 'remove', '--force', path]);
    rmSync(path, { recursive: true, force: true });
    // Forgets worktrees whose directory is gone, which would otherwise keep their branch "checked out".
    this.git(['worktree', 'prune']);
  }

  private find(path: string): WorktreeInfo | undefined {
    const wanted = canonical(path);
    return this.allWorktrees().find((w) => canonical(w.path) === wanted);
  }

  private allWorktrees(): WorktreeInfo[] {
    const result: WorktreeInfo[] = [];
    for (const block of this.git(['worktree', 'list', '--porcelain']).split(/\n\n+/)) {
      let info: WorktreeInfo | null = null;
      for (const line of block.split('\n')) {
        if (line.startsWith('worktree ')) info = { path: line.slice('worktree '.length), branch: null, head: null };
        else if (info && line.startsWith('HEAD ')) info.head = line.slice('HEAD '.length);
        else if (info && line.startsWith('branch refs/heads/')) info.branch = line.slice('branch refs/heads/'.length);
      }
      if (info) result.push(info);
    }
    return result;
  }

  private currentBranch(): string {
    try {
      return this.git(['symbolic-ref', '--quiet', '--short', 'HEAD']).trim();
    } catch {
      // Detached HEAD: branch from the commit that is checked out.
      return this.git(['rev-parse', 'HEAD']).trim();
    }
  }

  private branchExists(branch: string): boolean {
    return this.succeeds(['show-ref', '--verify', '--quiet', `refs/heads/${branch}`]);
  }

  /** Keep issue worktrees out of the main checkout's `git status`. */
  private ensureWorktreesDir(): void {
    mkdirSync(this.worktreesDir, { recursive: true });
    const ignore = join(this.worktreesDir, '.gitignore');
    if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
  }

  private insideWorkTree(): boolean {
    try {
      return this.git(['rev-parse', '--is-inside-work-tree']).trim() === 'true';
    } catch {
      return false;
    }
  }

  private succeeds(args: string[]): boolean {
    try {
      this.run(args, this.repoDir);
      return true;
    } catch {
      return false;
    }
  }

  private git(args: string[]): string {
    return this.run(args, this.repoDir).stdout;
  }
}
