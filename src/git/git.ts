import { HarnessError } from '../errors.js';
import { gitRunner, type GitOutput, type GitRunner } from './run.js';

/** A git command harness relies on failed. */
export class GitError extends HarnessError {}

/** One worktree as `git worktree list --porcelain` describes it. */
export interface GitWorktree {
  path: string;
  /** Short branch name, or null for a detached worktree. */
  branch: string | null;
  head: string | null;
}

/**
 * Git bound to one repository: the one way harness runs git, for the issue
 * worktrees and the merge queue alike. Every call is an async child process
 * with an argv (never a shell) in its own process group.
 */
export class Git {
  constructor(
    readonly repoDir: string,
    private readonly runner: GitRunner = gitRunner(),
  ) {}

  /** Run and report, whatever the exit code. */
  try(args: readonly string[], cwd: string = this.repoDir): Promise<GitOutput> {
    return this.runner(args, cwd);
  }

  /** Run and return stdout without its final newline; throws GitError on a non-zero exit. */
  async run(args: readonly string[], cwd: string = this.repoDir): Promise<string> {
    const out = await this.runner(args, cwd);
    if (out.code !== 0) throw new GitError(`git ${args.join(' ')} failed in ${cwd}: ${firstLines(out.stderr || out.stdout)}`);
    return out.stdout.replace(/\n$/, '');
  }

  async succeeds(args: readonly string[], cwd: string = this.repoDir): Promise<boolean> {
    return (await this.runner(args, cwd)).code === 0;
  }

  /** The commit `ref` names, or null when it names none. */
  async commitOf(ref: string, cwd: string = this.repoDir): Promise<string | null> {
    const out = await this.runner(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], cwd);
    return out.code === 0 ? out.stdout.trim() : null;
  }

  /** True when the local branch `branch` exists. */
  branchExists(branch: string): Promise<boolean> {
    return this.succeeds(['show-ref', '--verify', '--quiet', `refs/heads/${branch}`]);
  }

  /** True when `ancestor` is reachable from `descendant` (a commit is its own ancestor). */
  isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    return this.succeeds(['merge-base', '--is-ancestor', ancestor, descendant]);
  }

  /** Files with unresolved conflicts in the worktree at `cwd`. */
  async conflictedFiles(cwd: string): Promise<string[]> {
    const out = await this.runner(['diff', '--name-only', '--diff-filter=U', '-z'], cwd);
    return out.stdout.split('\0').filter(Boolean);
  }

  /** Every worktree of the repository, with the branch each has checked out (null when detached). */
  async worktrees(): Promise<GitWorktree[]> {
    const result: GitWorktree[] = [];
    for (const block of (await this.run(['worktree', 'list', '--porcelain'])).split(/\n\n+/)) {
      let info: GitWorktree | null = null;
      for (const line of block.split('\n')) {
        if (line.startsWith('worktree ')) info = { path: line.slice('worktree '.length), branch: null, head: null };
        else if (info && line.startsWith('HEAD ')) info.head = line.slice('HEAD '.length);
        else if (info && line.startsWith('branch refs/heads/')) info.branch = line.slice('branch refs/heads/'.length);
      }
      if (info) result.push(info);
    }
    return result;
  }
}

/** Git's own message, short enough for a reason column. */
export function firstLines(text: string, max = 5): string {
  const lines = text.trim().split('\n').filter((l) => l.trim() !== '');
  return lines.slice(0, max).join('; ') + (lines.length > max ? '; …' : '');
}
