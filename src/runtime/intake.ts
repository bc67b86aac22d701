/**
 * The intake: what comes in from the source, and when. It lists the source
 * (once, or every `watchMs` with --watch), keeps an issue back until each
 * of its blockers is done (src/core/dependencies.ts decides), claims it at
 * the tracker and hands it to the coordinator. While anything may still
 * come in, it holds the run open. A tracker that does not answer puts
 * intake on a visible hold and is asked again; it never fails an issue.
 */
import { formatDuration } from '../config/duration.js';
import { decideGate, findCycle, liveWaiting, type BlockerState } from '../core/dependencies.js';
import { TrackerError } from '../errors.js';
import { byUrgency, checkBlockers, failDoomed, toInput } from './intake-checks.js';
import type { IntakeOptions } from './intake-types.js';
import type { BacklogIssue } from '../sources/types.js';
import type { Clock, TimerHandle } from './clock.js';

export type { IntakeOptions, IntakeStore, IntakeTarget } from './intake-types.js';
export { checkBlockers } from './intake-checks.js';

export class Intake {
  /** Listed, not yet handed over: waiting for blockers, a claim or room in the window. */
  private readonly waiting = new Map<string, BacklogIssue>();
  /** Handed to the coordinator and not finished. */
  private readonly inFlight = new Set<string>();
  /** Blockers outside the store, as the tracker last said. */
  private readonly outside = new Map<string, BlockerState>();
  /** What the waiting issues are blocked by (blockerIds), or null when it must be made again. */
  private blockers: Set<string> | null = null;
  /** Issues that finished in this run, as the events said (a store may forget done issues: the load test's). */
  private readonly ended = new Map<string, 'done' | 'failed'>();
  /** Skipped for this run: claimed by someone else, or in a dependency cycle. */
  private readonly skipped = new Set<string>();
  private release: (() => void) | null = null;
  private timer: TimerHandle | null = null;
  private pumping: Promise<void> | null = null;
  private again = false;
  private down = false;
  private stopped = false;
  private relisted = false;
  /** The listing under way is the last of a one-off run: if the tracker does not answer it, intake ends. */
  private final = false;
  private cutShort = false;
  /** Blockers the tracker said it does not know: not asked again. */
  private readonly unknown = new Set<string>();
  /** Said once per stretch of having nothing to do (--watch). */
  private idle = false;
  private unsubscribe: (() => void)[] = [];

  constructor(private readonly o: IntakeOptions) {}

  /**
   * Hold the run open, list the source, and hand over what is ready. Throws
   * InputError for a dependency cycle or (a file) a blocker no issue has.
   */
  async start(first: readonly BacklogIssue[] | null): Promise<void> {
    this.release = this.o.target.holdIntake();
    const { events } = this.o;
    this.unsubscribe.push(
      events.on('session:ended', (e) => {
        if (e.issueStatus === 'done' || e.issueStatus === 'failed') this.finished(e.issueId, e.issueStatus);
      }),
      events.on('merge:landed', (e) => e.issueIds.forEach((id) => this.finished(id, 'done'))),
      events.on('merge:rejected', (e) => {
        if (e.issueStatus === 'failed') this.finished(e.issueId, 'failed');
      }),
    );
    if (first === null) {
      // A tracker: its first listing is checked like a file's, and one that does not answer is asked again.
      try {
        first = (await this.o.source.list()).issues;
      } catch (error) {
        if (!(error instanceof TrackerError) || error.refused) throw error;
        this.trackerDown(error);
        return;
      }
    }
    checkBlockers(first, { shown: this.o.source.shown, tracked: this.o.source.tracked, known: (id) => this.o.store.getIssue(id) !== undefined });
    this.take(first);
    await this.lookOutside();
    await this.pump();
  }

  /**
   * Stop listing and let the run end once what it has is done (the run is
   * interrupted): a tracker call running now is stopped too.
   */
  stop(): void {
    if (!this.stopped) this.cutShort = true;
    this.o.source.abort?.();
    this.end();
  }

  /** The run is over (however it ended): let go of its events and timers. */
  close(): void {
    this.end();
  }

  /** The run was stopped before its intake ended by itself: there may be work the source still has. */
  interrupted(): boolean {
    return this.cutShort;
  }

  private end(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.unsubscribe.forEach((off) => off());
    this.unsubscribe = [];
    this.release?.();
    this.release = null;
  }

  /** Issues kept back because a blocker failed and the mode says wait. */
  stuck(): string[] {
    return decideGate([...this.waiting.values()], (id) => this.stateOf(id), this.o.onBlockerFailure).stuck;
  }


  /** New issues from a listing: those the store does not know yet, and not skipped. */
  private take(issues: readonly BacklogIssue[]): number {
    let added = 0;
    for (const issue of issues) {
      if (this.waiting.has(issue.id) || this.inFlight.has(issue.id) || this.skipped.has(issue.id)) continue;
      if (this.o.store.getIssue(issue.id)) continue;
      this.waiting.set(issue.id, issue);
      this.blockers = null;
      added++;
    }
    const cycle = findCycle([...this.waiting.values()]);
    if (cycle) {
      for (const id of new Set(cycle)) {
        this.waiting.delete(id);
        this.blockers = null;
        this.skipped.add(id);
      }
      this.o.say(`dependency cycle: ${cycle.join(' → ')} (each is blocked by the next); these issues are left out until it is broken`);
    }
    return added;
  }

  /** Issues that arrive (the load test's): gated, then handed over like listed ones. */
  offer(issues: readonly BacklogIssue[]): void {
    this.take(issues);
    void this.pump();
  }

  private finished(id: string, status: 'done' | 'failed'): void {
    const blocks = this.blockerIds().has(id);
    if (blocks || this.inFlight.has(id)) this.ended.set(id, status);
    // Room in the window, or a blocker finished (one handed over at the start, too): its dependents may go.
    if (!this.inFlight.delete(id) && !blocks) return;
    void this.pump();
  }

  /** Every id a waiting issue names as a blocker; made again only after the waiting issues change. */
  private blockerIds(): ReadonlySet<string> {
    if (this.blockers) return this.blockers;
    const ids = new Set<string>();
    for (const issue of this.waiting.values()) for (const b of issue.blockedBy) ids.add(b);
    this.blockers = ids;
    return ids;
  }

  private stateOf(id: string): BlockerState {
    const ended = this.ended.get(id);
    if (ended) return ended;
    const row = this.o.store.getIssue(id);
    if (row) return row.status === 'done' ? 'done' : row.status === 'failed' ? 'failed' : 'pending';
    return this.outside.get(id) ?? 'pending';
  }

  /** One pass at a time; a request during a pass runs another after it. */
  private pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    this.pumping = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && !this.stopped);
    })().finally(() => (this.pumping = null));
    return this.pumping;
  }

  private async pass(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.handOver();
      if (this.down) {
        this.down = false;
        this.o.target.trackerUp();
      }
    } catch (error) {
      if (error instanceof TrackerError && !error.refused) this.trackerDown(error);
      else this.o.fail(error);
      return;
    }
    this.afterPass();
  }

  /** Decide the waiting issues; fail the doomed, claim and submit the ready ones. */
  private async handOver(): Promise<void> {
    const { source, store, target, clock } = this.o;
    const decision = decideGate([...this.waiting.values()], (id) => this.stateOf(id), this.o.onBlockerFailure);
    if (decision.doomed.length > 0) {
      const doomed = decision.doomed.map(({ id, blocker }) => ({ issue: this.waiting.get(id)!, blocker }));
      for (const { issue } of doomed) this.waiting.delete(issue.id);
      this.blockers = null;
      failDoomed(doomed, this.o);
    }
    const ready = decision.ready.map((id) => this.waiting.get(id)!).sort(byUrgency);
    const taken: BacklogIssue[] = [];
    try {
      for (const issue of ready) {
        if (this.o.window !== null && this.inFlight.size + taken.length >= this.o.window) break;
        if (this.stopped) break;
        let mine: boolean;
        try {
          mine = await source.claim(issue);
        } catch (error) {
          if (!(error instanceof TrackerError) || !error.refused) throw error;
          this.waiting.delete(issue.id);
          this.blockers = null;
          this.skipped.add(issue.id);
          this.o.say(`${JSON.stringify(issue.id)} could not be claimed: ${error.message}; skipped`);
          continue;
        }
        this.waiting.delete(issue.id);
        this.blockers = null;
        if (!mine) {
          this.skipped.add(issue.id);
          this.o.say(`${JSON.stringify(issue.id)} is claimed by someone else at ${source.shown}: skipped`);
          continue;
        }
        taken.push(issue);
      }
    } finally {
      // What was claimed is handed over even when a later claim failed.
      if (taken.length > 0) {
        if (source.tracked) store.trackIssues(taken.map((i) => ({ id: i.id, source: source.kind, url: i.url })));
        for (const i of taken) this.inFlight.add(i.id);
        target.submit(taken.map(toInput));
      }
    }
  }

  /** Plan what comes next: another listing, or the end of intake. */
  private afterPass(): void {
    if (this.stopped || this.timer) return;
    const { watchMs } = this.o;
    if (watchMs !== null) {
      this.timer = this.o.clock.setTimeout(() => this.relist(), watchMs);
      const idle = this.inFlight.size === 0 && this.ready() === 0 && this.o.workLeft() === 0;
      if (idle && !this.idle) this.o.events.emit('intake:idle', { at: this.o.clock.now(), everyMs: watchMs, waiting: this.waiting.size });
      this.idle = idle;
      return;
    }
    if (this.o.keepOpen || this.inFlight.size > 0 || this.ready() > 0 || this.live() > 0) return;
    // All that was listed is done: a tracker may list issues their blockers released; a file says nothing new.
    if (this.o.source.tracked && !this.relisted) {
      this.relisted = true;
      this.final = true;
      this.timer = this.o.clock.setTimeout(() => this.relist(), 0);
      return;
    }
    this.end();
  }

  /** Waiting issues this run will get to (liveWaiting). */
  private live(): number {
    return liveWaiting(this.waiting.values(), (id) => {
      const status = this.o.store.getIssue(id)?.status;
      return status !== undefined && status !== 'done' && status !== 'failed';
    });
  }

  /** Waiting issues that could be handed over now (the window was full). */
  private ready(): number {
    return decideGate([...this.waiting.values()], (id) => this.stateOf(id), this.o.onBlockerFailure).ready.length;
  }

  private async relist(): Promise<void> {
    this.timer = null;
    if (this.stopped) return;
    try {
      await this.o.beforeListing?.();
      if (this.stopped) return;
      const listing = await this.o.source.list();
      for (const p of listing.problems.slice(0, 5)) this.o.say(`skipped: ${p}`);
      const added = this.take(listing.issues);
      await this.lookOutside();
      // Something new keeps a one-off tracker run going; the next time all is done, it lists again.
      if (added > 0) this.relisted = false;
      this.final = false;
    } catch (error) {
      if (error instanceof TrackerError && !error.refused) this.trackerDown(error);
      else this.o.fail(error);
      return;
    }
    await this.pump();
  }

  /** Ask the tracker about blockers that are neither listed nor in the store (one closed by hand, say). */
  private async lookOutside(): Promise<void> {
    const ask = this.o.source.blockerState?.bind(this.o.source);
    if (!ask) return;
    for (const issue of this.waiting.values()) {
      for (const b of issue.blockedBy) {
        if (this.waiting.has(b) || this.o.store.getIssue(b) || this.outside.get(b) === 'done' || this.unknown.has(b)) continue;
        try {
          this.outside.set(b, await ask(b));
        } catch (error) {
          // A blocker the tracker does not know can never be done: its dependents wait, and the rest of the run goes on.
          if (!(error instanceof TrackerError) || !error.refused) throw error;
          this.outside.set(b, 'pending');
          this.unknown.add(b);
          this.o.say(`${JSON.stringify(issue.id)} waits for ${JSON.stringify(b)}, which ${this.o.source.shown} does not know (${error.message}): it is left until that blocker exists and is done`);
        }
      }
    }
  }

  private trackerDown(error: TrackerError): void {
    if (this.stopped) return;
    if (this.final) {
      // All this run took is finished: waiting for the tracker would keep a finished run open. The next run lists again.
      this.o.say(`${this.o.source.shown} did not answer the last listing (${error.message}); ending: the next run lists again`);
      this.end();
      return;
    }
    this.down = true;
    this.o.target.trackerDown(error.message, `intake resumes when ${this.o.source.shown} answers (asked again every ${formatDuration(this.o.retryMs)})`);
    if (this.stopped || this.timer) return;
    this.timer = this.o.clock.setTimeout(() => this.relist(), this.o.retryMs);
  }
}

