/** A workload's chains by issue id: who blocks an issue and whom it blocks. */
export interface ChainsById {
  blockerOf(issueId: string): string | null;
  dependentOf(issueId: string): string | null;
}

interface Finished {
  at: number;
  /** The earliest its path could have ended: its blocker's path end or its arrival, whichever is later, plus its own sessions. */
  pathEnd: number;
  done: boolean;
}

/**
 * What the load test's observer follows of a workload's chains, in O(1) per
 * event: which issues that arrived wait for a blocker (no worker could run
 * them, so they are no demand and in no queue), when each became ready, and
 * how soon the path of sessions through it could have ended (the critical
 * path of the makespan's lower bound). Times are scenario ms. Memory is what
 * is in flight: a finished issue is kept only until its dependent finishes.
 */
export class ChainWatch {
  /** Issues that arrived and wait for a blocker that is not done. */
  blocked = 0;
  private readonly finished = new Map<string, Finished>();
  private readonly waiting = new Set<string>();

  constructor(private readonly chains: ChainsById) {}

  /** Issue `id` arrived (the observer tracks it from now). */
  arrived(id: string): void {
    const blocker = this.chains.blockerOf(id);
    if (blocker !== null && !this.finished.get(blocker)?.done) {
      this.waiting.add(id);
      this.blocked++;
    }
  }

  /** Since when issue `id`, which arrived at `arrival`, could run: its arrival, or its blocker's end if later. */
  readySince(id: string, arrival: number): number {
    const blocker = this.chains.blockerOf(id);
    const before = blocker === null ? undefined : this.finished.get(blocker);
    return before?.done ? Math.max(arrival, before.at) : arrival;
  }

  /** Issue `id` reached its final outcome at `at`, after `work` ms of sessions; returns the earliest its path could have ended. */
  finish(id: string, done: boolean, at: number, arrival: number, work: number): number {
    if (this.waiting.delete(id)) this.blocked--;
    const blocker = this.chains.blockerOf(id);
    const before = blocker === null ? undefined : this.finished.get(blocker);
    if (before) this.finished.delete(blocker as string);
    const pathEnd = Math.max(arrival, before?.pathEnd ?? arrival) + work;
    const dependent = this.chains.dependentOf(id);
    if (dependent !== null) {
      this.finished.set(id, { at, pathEnd, done });
      // Its dependent may run now; one whose blocker failed stays blocked (it fails, or waits on).
      if (done && this.waiting.delete(dependent)) this.blocked--;
    }
    return pathEnd;
  }
}
