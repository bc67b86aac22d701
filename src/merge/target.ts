import { HarnessError } from '../errors.js';
import { firstLines, type Git } from '../git/index.js';

/** The merge queue cannot work with this repository as it is. Exit 2. */
export class MergeSetupError extends HarnessError {
  override readonly exitCode = 2;
}

/** Whether the target could be advanced to a new commit. */
export type Advance =
  | { kind: 'advanced' }
  /** The target is no longer at the commit the merge was built on: rebuild on the new one. */
  | { kind: 'moved' }
  /** Someone's checkout of the target is in the way (uncommitted changes); try again later. */
  | { kind: 'blocked'; reason: string };

/**
 * The branch merges land on. When it is checked out somewhere (the user's
 * main worktree, usually), that checkout must follow it, so it advances only
 * by fast-forward there and only while the checkout is clean; otherwise one
 * atomic compare-and-swap of the ref. Either way the branch is before or
 * after a merge, never in between.
 */
export class TargetBranch {
  private constructor(
    private readonly git: Git,
    readonly branch: string,
  ) {}

  /** The configured branch, or the one checked out in `git.repoDir` now. Throws MergeSetupError. */
  static async resolve(git: Git, configured: string | null): Promise<TargetBranch> {
    let branch = configured;
    if (branch === null) {
      const current = await git.try(['symbolic-ref', '--quiet', '--short', 'HEAD']);
      if (current.code !== 0) {
        throw new MergeSetupError(
          `the merge queue needs a target branch, but HEAD is detached in ${git.repoDir}: check out a branch, or set merge.target in the config`,
        );
      }
      branch = current.stdout.trim();
    }
    if (!(await git.succeeds(['check-ref-format', '--branch', branch]))) {
      throw new MergeSetupError(`merge.target ${JSON.stringify(branch)} is not a valid branch name: set merge.target to a branch such as "main"`);
    }
    if ((await git.commitOf(`refs/heads/${branch}`)) === null) {
      throw new MergeSetupError(
        `merge.target branch ${JSON.stringify(branch)} does not exist in ${git.repoDir}: create it (git branch ${branch}) or set merge.target to an existing branch`,
      );
    }
    return new TargetBranch(git, branch);
  }

  get ref(): string {
    return `refs/heads/${this.branch}`;
  }

  async head(): Promise<string> {
    const commit = await this.git.commitOf(this.ref);
    if (commit === null) throw new MergeSetupError(`target branch ${this.branch} no longer exists: recreate it and run again`);
    return commit;
  }

  /** The worktree that has the target checked out, if any. */
  async checkout(): Promise<string | null> {
    return (await this.git.worktrees()).find((w) => w.branch === this.branch)?.path ?? null;
  }

  /**
   * Refuse to start when the target's checkout has uncommitted changes:
   * landings could never advance it. Untracked files do not count (the
   * harness's own `.harness/` lives there).
   */
  async checkClean(): Promise<void> {
    const checkout = await this.checkout();
    if (checkout === null) return;
    const dirty = await this.dirtyFiles(checkout);
    if (dirty.length > 0) {
      throw new MergeSetupError(
        `the merge target ${this.branch} is checked out in ${checkout}, which has uncommitted changes (${dirty.slice(0, 5).join(', ')}${dirty.length > 5 ? ', …' : ''}): ` +
          'merges land there by fast-forward only, so commit or stash them first, or set merge.target to a branch that is not checked out',
      );
    }
  }

  /** Move the target from `from` to `to` (a descendant), or say why not. */
  async advance(from: string, to: string, message: string): Promise<Advance> {
    const checkout = await this.checkout();
    if (checkout === null) {
      const out = await this.git.try(['update-ref', '-m', message, this.ref, to, from]);
      if (out.code === 0) return { kind: 'advanced' };
      if ((await this.head()) !== from) return { kind: 'moved' };
      throw new MergeSetupError(`could not update ${this.ref}: ${firstLines(out.stderr)}`);
    }
    if ((await this.head()) !== from) return { kind: 'moved' };
    const dirty = await this.dirtyFiles(checkout);
    if (dirty.length > 0) {
      return { kind: 'blocked', reason: `${checkout} (where ${this.branch} is checked out) has uncommitted changes in ${dirty.slice(0, 5).join(', ')}; commit or stash them` };
    }
    const out = await this.git.try(['merge', '--quiet', '--ff-only', to], checkout);
    if (out.code === 0) return { kind: 'advanced' };
    if ((await this.head()) !== from) return { kind: 'moved' };
    return { kind: 'blocked', reason: `fast-forward of ${this.branch} in ${checkout} failed: ${firstLines(out.stderr)}` };
  }

  private async dirtyFiles(checkout: string): Promise<string[]> {
    const status = await this.git.run(['status', '--porcelain', '--untracked-files=no', '-z'], checkout);
    return status
      .split('\0')
      .filter(Boolean)
      .map((line) => line.slice(3));
  }
}

/** Commits need an author: refuse to start rather than reject every merge. */
export async function checkCommitterIdentity(git: Git): Promise<void> {
  const out = await git.try(['var', 'GIT_COMMITTER_IDENT']);
  if (out.code !== 0) {
    throw new MergeSetupError(
      'the merge queue makes commits, but git has no committer identity here: ' +
        'set one with git config user.name "…" and git config user.email "…" (or GIT_COMMITTER_NAME / GIT_COMMITTER_EMAIL)',
    );
  }
}
