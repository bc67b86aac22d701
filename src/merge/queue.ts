import type { EventBus } from '../core/events.js';
import type { MergeAssessment, MergeService } from '../runtime/coordinator-types.js';
import { andThen } from '../runtime/answers.js';
import { isPromise } from '../runtime/engine-ports.js';
import type { Answer } from '../store/ports.js';
import type { IssueRow } from '../store/types.js';
import type { MergeStore } from './merge-store.js';
import type { Merger } from './merger.js';

/** What the queue needs from the issue worktrees (a WorktreeManager). Both are git queries, so both are async. */
export interface IssueWorkspaces {
  /** Commits on the issue's branch that the target does not have. */
  commitsAhead(issueId: string): Promise<number>;
  /** The commit a local branch points at, or null when there is none. */
  branchHead(branch: string): Promise<string | null>;
}

export interface MergeQueueOptions {
  /** Where entries are queued: in a fleet, the shared store, written by every coordinator (only the leader merges). */
  store: MergeStore;
  events: EventBus;
  workspaces: IssueWorkspaces;
  merger: Merger;
  /** The branch merges land on, for messages. */
  target: string;
  /** merge.requireCommits: a successful session without commits fails the issue ("no changes"). */
  requireCommits: boolean;
  /**
   * In a fleet of checkouts: push a branch where the merge leader, on any
   * host, can fetch it (SharedRemote.publish), before it is queued.
   */
  publish?: ((branch: string, head: string) => Promise<void>) | undefined;
}

/**
 * The merge queue as the coordinator sees it (MergeService): successful
 * branches with commits become store entries, served oldest first by the
 * Merger; the queue's depth is the store's, so every metric view reports
 * the real number. A store that answers with a promise cannot be read at
 * once: its depth is the latest it answered, asked again at each read.
 */
export class MergeQueue implements MergeService {
  private knownDepth = 0;
  private askingDepth = false;

  constructor(private readonly options: MergeQueueOptions) {}

  /** Asks git (two child processes) without blocking: the coordinator goes on with other sessions meanwhile. */
  async assess(issue: IssueRow, branch: string): Promise<MergeAssessment> {
    const { merger } = this.options;
    if ((await this.commitsAhead(issue.id)) === 0) {
      if (this.options.requireCommits) {
        return { status: 'failed', reason: `no changes: the session succeeded but left no commits on ${branch} beyond ${this.options.target}` };
      }
      merger.cleanUpLater(issue.id, true);
      return { status: 'done' };
    }
    const head = await this.headOf(branch);
    const { publish } = this.options;
    if (!publish) return { status: 'merging', head };
    // The leader may run on another host: a branch it cannot fetch could never merge.
    try {
      if (head === null) throw new Error(`git could not say which commit ${branch} is at`);
      await publish(branch, head);
    } catch (error) {
      return {
        status: 'failed',
        reason: `the fleet's merge leader could not be given ${branch}: ${error instanceof Error ? error.message : String(error)}; the branch is kept here: fix that, then \`harness retry ${issue.id}\``,
      };
    }
    return { status: 'merging', head };
  }

  /** At once on a store that answers at once; else when the store has the entry (the engine's guard hears of a failure). */
  enqueue(issue: IssueRow, branch: string, head: string | null, now: number): Answer<void> {
    const { store, events, merger } = this.options;
    return andThen(store.enqueueMerge({ issueId: issue.id, branch, head, now }), () => {
      events.emit('merge:queued', { at: now, issueId: issue.id, branch });
      merger.wake();
    });
  }

  /**
   * Read synchronously (the metrics): the store's count when it answers at
   * once; otherwise the last count it answered (fleet-wide), with a fresh
   * one asked for the next read. A failed read keeps the last count: the
   * store's failures are reported by whatever it failed for.
   */
  depth(): number {
    if (this.askingDepth) return this.knownDepth;
    const answer = this.options.store.mergeDepth();
    if (!isPromise(answer)) return answer;
    this.askingDepth = true;
    answer
      .then(
        (n) => void (this.knownDepth = n),
        () => {},
      )
      .finally(() => (this.askingDepth = false));
    return this.knownDepth;
  }

  start(): void {
    this.options.merger.start();
  }

  stop(): Promise<void> {
    return this.options.merger.stop();
  }

  /** Null when git could not say: the branch is queued and the merger finds out. */
  private commitsAhead(issueId: string): Promise<number | null> {
    return this.options.workspaces.commitsAhead(issueId).catch(() => null);
  }

  /** Null when git could not say: the merger resolves the branch itself. */
  private headOf(branch: string): Promise<string | null> {
    return this.options.workspaces.branchHead(branch).catch(() => null);
  }
}
