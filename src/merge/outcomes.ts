import { existsSync } from 'node:fs';
import type { EventBus } from '../core/events.js';
import type { Clock } from '../runtime/clock.js';
import { andThen, eachInTurn } from '../runtime/answers.js';
import { isPromise } from '../runtime/engine-ports.js';
import type { Answer } from '../store/ports.js';
import type { IssueTransition, MergeEntryRow } from '../store/types.js';
import { discardIssueWorkspace, type LocateWorkspace } from './cleanup.js';
import { decideAfterRejection, type RejectionKind } from './decide.js';
import type { Git } from '../git/index.js';
import type { MergeStore } from './merge-store.js';

export interface OutcomeDeps {
  store: MergeStore;
  events: EventBus;
  clock: Clock;
  git: Git;
  locate: LocateWorkspace;
  /** Session attempts an issue gets; a rejected merge requeues the issue only below it. */
  maxAttempts: number;
  /** Keep the worktrees and branches of done issues (workspace.keep). */
  keep: boolean;
  /** The beforeRemove hook, before an issue's worktree is removed; never fails. */
  beforeRemove?: ((issueId: string, path: string) => Promise<void>) | undefined;
}

/**
 * How a merge entry ends, applied: the entry and its issue change in one
 * store call, then the coordinator hears of it (`merge:landed` or
 * `merge:rejected`) and dispatches. Shared by the merge loop, pull-request
 * mode and crash recovery. On a store that answers at once, each runs
 * through (its event included) before it returns.
 */
export class MergeOutcomes {
  constructor(private readonly deps: OutcomeDeps) {}

  /** Entries whose issue is no longer merging (recovered after a crash and being redone) leave the queue. */
  dropStale(entries: readonly MergeEntryRow[]): Answer<MergeEntryRow[]> {
    const { store, clock } = this.deps;
    const live: MergeEntryRow[] = [];
    const sorted = eachInTurn(entries, (entry) =>
      andThen(store.getIssue(entry.issueId), (issue) => {
        const status = issue?.status ?? 'missing';
        if (status === 'merging') return void live.push(entry);
        const now = clock.now();
        return andThen(store.setMergeState(entry.id, { state: 'rejected', endedAt: now, reason: `its issue is ${status}, no longer waiting to merge` }, now), () => {});
      }),
    );
    return andThen(sorted, () => live);
  }

  /** Back to the queue at their old place (ids keep the order), without touching their issues. */
  requeue(entries: readonly MergeEntryRow[], reason: string): Answer<void> {
    const now = this.deps.clock.now();
    return eachInTurn(entries, (entry) => this.deps.store.setMergeState(entry.id, { state: 'queued', result: null, reason, verifyPid: null, verifyPgid: null }, now));
  }

  /** The entries are on the target (or their pull request is open): their issues are done. */
  landed(entries: readonly MergeEntryRow[], target: string, detail: string, extra: { state?: 'landed' | 'opened'; url?: string; reason?: string } = {}): Answer<void> {
    const { store, events, clock } = this.deps;
    const now = clock.now();
    const written = eachInTurn(entries, (entry) =>
      andThen(store.getIssue(entry.issueId), (issue) => {
        // An issue no longer merging (its entry was landed by recovery, say) keeps its status.
        const transition: IssueTransition | undefined = issue?.status === 'merging' ? { status: 'done', lastError: null } : undefined;
        return store.setMergeState(
          entry.id,
          { state: extra.state ?? 'landed', endedAt: now, reason: extra.reason ?? null, verifyPid: null, verifyPgid: null, ...(extra.url ? { url: extra.url } : {}) },
          now,
          transition,
        );
      }),
    );
    const opened = extra.state === 'opened' && extra.url ? { pullRequest: extra.url } : {};
    return andThen(written, () => void events.emit('merge:landed', { at: now, issueIds: entries.map((e) => e.issueId), target, detail, ...opened }));
  }

  /**
   * The merge did not land: record why, and send the issue back to the
   * queue (its branch restarted from the updated target) or fail it.
   */
  async reject(entry: MergeEntryRow, kind: RejectionKind, reason: string): Promise<void> {
    const { store, clock } = this.deps;
    const asked = store.getIssue(entry.issueId);
    const issue = isPromise(asked) ? await asked : asked;
    if (issue?.status !== 'merging') {
      const now = clock.now();
      const written = store.setMergeState(entry.id, { state: 'rejected', endedAt: now, reason }, now);
      if (isPromise(written)) await written;
      return;
    }
    const decision = decideAfterRejection({ kind, attempts: issue.attempts, maxAttempts: this.deps.maxAttempts, reason });
    // Before the issue is queued again: its next session must find a fresh branch on the new target, not this one.
    if (decision.resetBranch) await this.cleanUp(issue.id, true, true);
    const failed = this.fail(entry, reason, decision.transition);
    if (isPromise(failed)) await failed;
  }

  /** Reject with a decided issue transition (e.g. failed without a retry) and tell the coordinator. */
  fail(entry: MergeEntryRow, reason: string, transition: IssueTransition & { status: 'queued' | 'failed' }): Answer<void> {
    const { store, events, clock } = this.deps;
    const now = clock.now();
    const written = store.setMergeState(entry.id, { state: 'rejected', endedAt: now, reason, verifyPid: null, verifyPgid: null }, now, transition);
    return andThen(written, () => void events.emit('merge:rejected', { at: now, issueId: entry.issueId, reason, issueStatus: transition.status }));
  }

  /** Remove a done issue's worktree (and branch); `evenWhenKept` when the branch must restart whatever workspace.keep says. */
  async cleanUp(issueId: string, deleteBranch: boolean, evenWhenKept = false): Promise<void> {
    if (this.deps.keep && !evenWhenKept) return;
    try {
      const { path } = this.deps.locate(issueId);
      if (this.deps.beforeRemove && existsSync(path)) await this.deps.beforeRemove(issueId, path);
      await discardIssueWorkspace(this.deps.git, this.deps.locate, issueId, { deleteBranch });
    } catch {
      // A worktree that cannot be removed now is replaced when its issue is prepared again.
    }
  }
}
