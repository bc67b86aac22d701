import { firstLines, GitError, type Git } from '../git/index.js';
import { MergeSetupError, type TargetBranch } from './target.js';

/** This checkout's target against the remote's (SharedRemote.standing). */
type Standing =
  | { kind: 'missing' | 'same'; local: string }
  | { kind: 'unreadable'; local: string; reason: string }
  | { kind: 'behind' | 'ahead' | 'diverged'; local: string; remote: string };

/** Where a branch fetched from the remote is kept: beside the local branches, so it never moves one checked out. */
const FETCHED = 'refs/harness/fetched/';

/**
 * A fleet whose coordinators work in checkouts of their own (on several
 * hosts) merges through the remote they share (merge.push): each pushes
 * the branches it makes there, and the merge leader, wherever it runs,
 * fetches them, builds on the remote's target, and lands with one
 * compare-and-swap of the remote's target (a push that holds only while
 * the remote is still at the commit the merge was built on). The remote's
 * target is the truth; a checkout's own target follows it by
 * fast-forward when it can, and new issue branches start from it.
 */
export class SharedRemote {
  constructor(
    private readonly git: Git,
    readonly remote: string,
    private readonly target: TargetBranch,
  ) {}

  /** Push an issue's branch (its commit `head`) to the remote, for the leader on any host to fetch; replaces an earlier attempt's. */
  async publish(branch: string, head: string): Promise<void> {
    const out = await this.git.try(['push', '--quiet', '--force', this.remote, `${head}:refs/heads/${branch}`]);
    if (out.code !== 0) throw new GitError(`cannot push ${branch} to ${this.remote}: ${firstLines(out.stderr)}`);
  }

  /**
   * The commit of `branch` as the remote has it (fetched into a ref of
   * harness's own), or null when the remote has no such branch.
   */
  async fetchBranch(branch: string): Promise<string | null> {
    const local = `${FETCHED}${branch}`;
    const out = await this.git.try(['fetch', '--quiet', '--no-tags', this.remote, `+refs/heads/${branch}:${local}`]);
    if (out.code !== 0) {
      if (/couldn't find remote ref|no such ref/i.test(out.stderr)) return null;
      throw new GitError(`cannot fetch ${branch} from ${this.remote}: ${firstLines(out.stderr)}`);
    }
    return this.git.commitOf(local);
  }

  /** Forget a branch that landed: the fetched copy here, and the one pushed to the remote (a best effort). */
  async forget(branch: string): Promise<void> {
    await this.git.try(['update-ref', '-d', `${FETCHED}${branch}`]);
    await this.git.try(['push', '--quiet', this.remote, '--delete', `refs/heads/${branch}`]);
  }

  /**
   * Bring this checkout's target up to the remote's and answer the commit
   * to build on: the remote's target (this checkout's follows it by
   * fast-forward; one blocked by local changes catches up later). A
   * target the remote does not have yet is pushed there first. Throws
   * MergeSetupError when this checkout's has commits the remote's lacks, or
   * the two have diverged: someone moved one of them by hand.
   */
  async syncTarget(): Promise<string> {
    const { branch } = this.target;
    const at = await this.standing();
    switch (at.kind) {
      case 'unreadable':
        throw new GitError(`cannot fetch ${branch} from ${this.remote}: ${at.reason}`);
      case 'missing': {
        const pushed = await this.git.try(['push', '--quiet', this.remote, `${at.local}:refs/heads/${branch}`]);
        if (pushed.code !== 0) throw new GitError(`cannot push ${branch} to ${this.remote}: ${firstLines(pushed.stderr)}`);
        return at.local;
      }
      case 'same':
        return at.local;
      case 'behind':
        // Another host's leader landed there: the remote is what merges build on.
        return at.remote;
      case 'ahead':
        // Merges land on the remote first, so these are commits made here by hand: never pushed for the user.
        throw new MergeSetupError(
          `${branch} here (${at.local.slice(0, 12)}) has commits ${this.remote}'s ${branch} (${at.remote.slice(0, 12)}) lacks: the fleet's merges land on ${this.remote}'s ${branch}, ` +
            `so push them (git push ${this.remote} ${branch}) or drop them (git fetch ${this.remote} && git reset --keep ${this.remote}/${branch}); the merge queue waits until then`,
        );
      case 'diverged':
        throw new MergeSetupError(
          `${branch} here (${at.local.slice(0, 12)}) and on ${this.remote} (${at.remote.slice(0, 12)}) have diverged: ` +
            `the fleet's merges land on ${this.remote}'s ${branch}, so bring this checkout's ${branch} back to it (git fetch ${this.remote} && git reset --keep ${this.remote}/${branch}); the merge queue waits until then`,
        );
    }
  }

  /**
   * Where this checkout's target stands against the remote's, after
   * fast-forwarding it when it is behind (and its checkout allows):
   * 'same' (or followed), 'ahead' (it has commits the remote lacks),
   * 'diverged', or 'unknown' (the remote could not be read, or has no
   * such branch yet). New issue branches start from the target, so a
   * checkout of the fleet keeps it at the remote's.
   */
  async follow(): Promise<'same' | 'ahead' | 'diverged' | 'unknown'> {
    const at = await this.standing();
    if (at.kind === 'missing' || at.kind === 'unreadable') return 'unknown';
    return at.kind === 'behind' ? 'same' : at.kind;
  }

  /** The remote's target against this checkout's, fetched; a checkout behind follows it by fast-forward when it can. */
  private async standing(): Promise<Standing> {
    const { branch } = this.target;
    const local = await this.target.head();
    const fetched = await this.git.try(['fetch', '--quiet', '--no-tags', this.remote, `refs/heads/${branch}`]);
    if (fetched.code !== 0) {
      return /couldn't find remote ref/i.test(fetched.stderr) ? { kind: 'missing', local } : { kind: 'unreadable', local, reason: firstLines(fetched.stderr) };
    }
    const remote = await this.git.commitOf('FETCH_HEAD');
    if (remote === null) return { kind: 'unreadable', local, reason: 'FETCH_HEAD names no commit' };
    if (remote === local) return { kind: 'same', local };
    if (await this.git.isAncestor(local, remote)) {
      // One blocked by changes in the checkout catches up later.
      await this.target.advance(local, remote, `harness merge queue: ${branch} from ${this.remote}`).catch(() => null);
      return { kind: 'behind', local, remote };
    }
    return { kind: (await this.git.isAncestor(remote, local)) ? 'ahead' : 'diverged', local, remote };
  }

  /**
   * Move the remote's target from `base` to `result` (a descendant), only
   * while it is still at `base`: 'moved' when another push got there first.
   */
  async land(base: string, result: string): Promise<'landed' | 'moved'> {
    const { branch } = this.target;
    const out = await this.git.try(['push', '--quiet', '--porcelain', `--force-with-lease=refs/heads/${branch}:${base}`, this.remote, `${result}:refs/heads/${branch}`]);
    if (out.code === 0) return 'landed';
    if (/stale info|rejected|fetch first|non-fast-forward/i.test(out.stdout + out.stderr)) return 'moved';
    throw new GitError(`cannot push ${branch} to ${this.remote}: ${firstLines(out.stderr || out.stdout)}`);
  }
}
