import type { EventBus } from '../core/events.js';
import type { MergeAssessment, MergeService } from '../runtime/coordinator-types.js';
import type { IssueRow, Store } from '../store/types.js';
import type { Merger } from './merger.js';

/** What the queue needs from the issue worktrees (a WorktreeManager). Both are git queries, so both are async. */
export interface IssueWorkspaces {
  /** Commits on the issue's branch that the target does not have. */
  commitsAhead(issueId: string): Promise<number>;
  /** The commit a local branch points at, or null when there is none. */
  branchHead(branch: string): Promise<string | null>;
}

export interface MergeQueueOptions {
  store: Store;
  events: EventBus;
  workspaces: IssueWorkspaces;
  merger: Merger;
  /** The branch merges land on, for messages. */
  target: string;
  /** merge.requireCommits: a successful session without commits fails the issue ("no changes"). */
  requireCommits: boolean;
}

/**
 * The merge queue as the coordinator sees it (MergeService): successful
 * branches with commits become store entries, served oldest first by the
 * Merger; the queue's depth is the store's, so every metric view reports
 * the real number.
 */
export class MergeQueue implements MergeService {
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
    return { status: 'merging', head: await this.headOf(branch) };
  }

  enqueue(issue: IssueRow, branch: string, head: string | null, now: number): void {
    const { store, events, merger } = this.options;
    store.enqueueMerge({ issueId: issue.id, branch, head, now });
    events.emit('merge:queued', { at: now, issueId: issue.id, branch });
    merger.wake();
  }

  depth(): number {
    return this.options.store.mergeDepth();
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
