import { isPromise } from '../runtime/engine-ports.js';
import type { MergeEntryRow } from '../store/types.js';
import { LeaseLostError, MERGE_LEASE, type MergeLeadership } from './leadership.js';
import { LocalMerge } from './local-merge.js';
import type { MergerDeps, MergerSettings } from './merger-types.js';
import { MergeOutcomes } from './outcomes.js';
import { PullRequestMerge } from './pr-merge.js';
import { queueOrphans, recoverInterruptedMerges } from './recovery.js';

export type { MergerDeps, MergerSettings } from './merger-types.js';

/**
 * The merge loop: one merge (or batch) at a time, oldest entry first. Each
 * merge is built and verified in the merge worktree, then lands with one
 * atomic move of the target; conflicts and red verifies send the issue back
 * to the queue (or fail it) through the store, and every outcome is an
 * event the coordinator reacts to. All git and command work is
 * asynchronous, so the coordinator's event loop is never held up.
 *
 * In a fleet (deps.leadership), the loop runs only while this coordinator
 * holds the merge lease: it recovers what the leader before it left, then
 * merges; once the lease is lost its step's next write (or the landing's
 * check) throws LeaseLostError, and it writes nothing more about the
 * entries in hand and goes back to waiting for the lease.
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
  private readonly leadership: MergeLeadership | null;
  /** Entries a dead harness (or the leader before) left merging are put back: once per leadership. */
  private recovered = false;
  private leading = false;
  private orphansAskedAt = 0;

  constructor(
    private readonly deps: MergerDeps,
    private readonly settings: MergerSettings,
  ) {
    this.stopped = new Promise((resolve) => (this.signalStopped = resolve));
    this.outcomes = new MergeOutcomes({ ...deps, maxAttempts: settings.maxAttempts, keep: settings.keep });
    this.leadership = deps.leadership ?? null;
    const leadership = this.leadership;
    const ctx = {
      deps,
      settings,
      outcomes: this.outcomes,
      pause: () => this.pause(),
      stopping: () => this.stopping,
      beforeLanding: () => leadership?.confirm('land a merge'),
    };
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
    // The next coordinator need not wait for the lease to run out; leaving the fleet drops it too.
    await this.leadership?.release().catch(() => {});
  }

  /** Remove a done issue's worktree outside the loop (an issue done without anything to merge). */
  cleanUpLater(issueId: string, deleteBranch: boolean): void {
    const task = this.outcomes.cleanUp(issueId, deleteBranch).finally(() => this.background.delete(task));
    this.background.add(task);
  }

  // --- the loop ------------------------------------------------------------

  private async loop(): Promise<void> {
    while (!this.stopping) {
      if (this.leadership && !(await this.lead(this.leadership))) continue;
      if (!this.recovered) {
        await this.recover();
        continue;
      }
      const next = this.deps.store.nextMerges(this.settings.mode === 'pr' ? 1 : this.settings.batchSize);
      const batch = isPromise(next) ? await next : next;
      if (batch.length === 0) {
        if (this.leadership) await this.adoptOrphans(this.leadership);
        await this.idle();
        continue;
      }
      try {
        await this.merge(batch);
      } catch (error) {
        if (!(error instanceof LeaseLostError)) throw error;
        this.resign(error.message);
      }
    }
  }

  private async recover(): Promise<void> {
    try {
      // In a fleet of checkouts, what the leader before left merging is looked for on the remote's target (pull requests move no target).
      if (this.settings.mode === 'local') await this.deps.remote?.syncTarget();
      await recoverInterruptedMerges({ ...this.deps, outcomes: this.outcomes, now: () => this.deps.clock.now() }, this.settings.mode);
      this.recovered = true;
    } catch (error) {
      if (error instanceof LeaseLostError) return this.resign(error.message);
      // The target branch was deleted, say: report it and try again rather than leave issues merging forever.
      this.deps.events.emit('merge:error', { at: this.deps.clock.now(), error, fatal: false });
      await this.pause();
    }
  }

  private async merge(batch: MergeEntryRow[]): Promise<void> {
    try {
      if (this.settings.mode === 'pr') await this.pullRequests.run(batch[0] as MergeEntryRow);
      else await this.local.run(batch);
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
      // Something other than a conflict or a red verify (git refused, the disk is full): the
      // entries in hand are rejected like a failed merge, so a persistent fault ends in
      // failed issues rather than a queue that never drains.
      const reason = `merge failed: ${error instanceof Error ? error.message : String(error)}`;
      for (const entry of batch) {
        const read = this.deps.store.getMerge(entry.id);
        const current = isPromise(read) ? await read : read;
        if (current?.state === 'queued' || current?.state === 'merging') await this.outcomes.reject(current, 'error', reason);
      }
    }
  }

  /** In a fleet: whether this coordinator leads the merge queue now, trying for the lease (then waiting a poll) when it does not. */
  private async lead(leadership: MergeLeadership): Promise<boolean> {
    if (leadership.holds()) return true;
    if (this.leading) this.resign(`the ${MERGE_LEASE} lease ran out before it was renewed`);
    const { events, clock } = this.deps;
    try {
      if (await leadership.acquire()) {
        this.leading = true;
        events.emit('merge:leader', { at: clock.now(), leading: true, reason: `took the ${MERGE_LEASE} lease` });
        return true;
      }
    } catch (error) {
      events.emit('merge:error', { at: clock.now(), error, fatal: false });
    }
    await this.pause(this.pollMs());
    return false;
  }

  /** In a fleet, once a lease's length: queue the branches of issues whose coordinator died before it could. */
  private async adoptOrphans(leadership: MergeLeadership): Promise<void> {
    const now = this.deps.clock.now();
    if (now - this.orphansAskedAt < leadership.ttlMs) return;
    this.orphansAskedAt = now;
    try {
      const merging = this.deps.store.listMerges('merging');
      await queueOrphans({ ...this.deps, now: () => this.deps.clock.now() }, isPromise(merging) ? await merging : merging, now - leadership.ttlMs);
    } catch (error) {
      if (error instanceof LeaseLostError) return this.resign(error.message);
      // Asked again a lease later; the store reports its own failures.
      this.deps.events.emit('merge:error', { at: this.deps.clock.now(), error, fatal: false });
    }
  }

  /** The lease is gone: the next leader (this coordinator again, maybe) recovers what was in hand. */
  private resign(reason: string): void {
    this.recovered = false;
    if (!this.leading) return;
    this.leading = false;
    this.deps.events.emit('merge:leader', { at: this.deps.clock.now(), leading: false, reason });
  }

  private pollMs(): number {
    return this.deps.pollMs ?? 1000;
  }

  /** Until wake(); in a fleet, at most a poll, since the other coordinators queue entries too. */
  private idle(): Promise<void> {
    if (this.woken || this.stopping) {
      this.woken = false;
      return Promise.resolve();
    }
    const woken = new Promise<void>((resolve) => {
      this.wakeUp = () => {
        this.wakeUp = null;
        this.woken = false;
        resolve();
      };
    });
    if (!this.leadership) return woken;
    return Promise.race([woken, this.deps.clock.sleep(this.pollMs())]).finally(() => (this.wakeUp = null));
  }

  /** Wait before trying again; returns early when the merger is stopped. */
  private pause(ms = this.settings.retryMs): Promise<void> {
    return Promise.race([this.deps.clock.sleep(ms), this.stopped]);
  }
}
