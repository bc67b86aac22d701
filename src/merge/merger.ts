import type { MergeEntryRow } from '../store/types.js';
import { LocalMerge } from './local-merge.js';
import type { MergerDeps, MergerSettings } from './merger-types.js';
import { MergeOutcomes } from './outcomes.js';
import { PullRequestMerge } from './pr-merge.js';
import { recoverInterruptedMerges } from './recovery.js';

export type { MergerDeps, MergerSettings } from './merger-types.js';

/**
 * The merge loop: one merge (or batch) at a time, oldest entry first. Each
 * merge is built and verified in the merge worktree, then lands with one
 * atomic move of the target; conflicts and red verifies send the issue back
 * to the queue (or fail it) through the store, and every outcome is an
 * event the coordinator reacts to. All git and command work is
 * asynchronous, so the coordinator's event loop is never held up.
 */
export class Merger {
  private running: Promise<void> | null = null;
  private stopping = false;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private readonly stopped: Promise<void>;
  private signalStopped: () => void = () => {};
  private readonly background = new Set<Promise<void>>();
  private readonly outcomes: MergeOutcomes;
  private readonly local: LocalMerge;
  private readonly pullRequests: PullRequestMerge;

  constructor(
    private readonly deps: MergerDeps,
    private readonly settings: MergerSettings,
  ) {
    this.stopped = new Promise((resolve) => (this.signalStopped = resolve));
    this.outcomes = new MergeOutcomes({ ...deps, maxAttempts: settings.maxAttempts, keep: settings.keep });
    const ctx = { deps, settings, outcomes: this.outcomes, pause: () => this.pause(), stopping: () => this.stopping };
    this.local = new LocalMerge(ctx);
    this.pullRequests = new PullRequestMerge(ctx);
  }

  start(): void {
    if (this.running || this.stopping) return;
    this.running = this.loop().catch((error: unknown) => {
      this.deps.events.emit('merge:error', { at: this.deps.clock.now(), error, fatal: true });
    });
  }

  /** New work was queued. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Finish the merge in progress, start no other; resolves when nothing is left running. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.signalStopped();
    this.wakeUp?.();
    await this.running;
    while (this.background.size > 0) await Promise.all(this.background);
  }

  /** Remove a done issue's worktree outside the loop (an issue done without anything to merge). */
  cleanUpLater(issueId: string, deleteBranch: boolean): void {
    const task = this.outcomes.cleanUp(issueId, deleteBranch).finally(() => this.background.delete(task));
    this.background.add(task);
  }

  // --- the loop ------------------------------------------------------------

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        await recoverInterruptedMerges({ ...this.deps, outcomes: this.outcomes, now: () => this.deps.clock.now() }, this.settings.mode);
        break;
      } catch (error) {
        // The target branch was deleted, say: report it and try again rather than leave issues merging forever.
        this.deps.events.emit('merge:error', { at: this.deps.clock.now(), error, fatal: false });
        await this.pause();
      }
    }
    while (!this.stopping) {
      const batch = this.deps.store.nextMerges(this.settings.mode === 'pr' ? 1 : this.settings.batchSize);
      if (batch.length === 0) {
        await this.idle();
        continue;
      }
      try {
        if (this.settings.mode === 'pr') await this.pullRequests.run(batch[0] as MergeEntryRow);
        else await this.local.run(batch);
      } catch (error) {
        // Something other than a conflict or a red verify (git refused, the disk is full): the
        // entries in hand are rejected like a failed merge, so a persistent fault ends in
        // failed issues rather than a queue that never drains.
        const reason = `merge failed: ${error instanceof Error ? error.message : String(error)}`;
        for (const entry of batch) {
          const current = this.deps.store.getMerge(entry.id);
          if (current?.state === 'queued' || current?.state === 'merging') await this.outcomes.reject(current, 'error', reason);
        }
      }
    }
  }

  private idle(): Promise<void> {
    if (this.woken || this.stopping) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.wakeUp = () => {
        this.wakeUp = null;
        this.woken = false;
        resolve();
      };
    });
  }

  /** Wait before trying again; returns early when the merger is stopped. */
  private pause(): Promise<void> {
    return Promise.race([this.deps.clock.sleep(this.settings.retryMs), this.stopped]);
  }
}
