/** What the intake (intake.ts) is given: the coordinator and the store, seen narrowly, and its settings. */
import type { BlockerFailureMode } from '../core/dependencies.js';
import type { EventBus } from '../core/events.js';
import type { Source } from '../sources/types.js';
import type { IssueInput, IssueRow } from '../store/types.js';
import type { Clock } from './clock.js';

/** What the intake drives: the coordinator, seen narrowly. */
export interface IntakeTarget {
  submit(issues: readonly IssueInput[]): void;
  holdIntake(): () => void;
  trackerDown(reason: string, fix: string): void;
  trackerUp(): void;
}

/** What the intake reads and writes of the store. */
export interface IntakeStore {
  getIssue(id: string): IssueRow | undefined;
  trackIssues(issues: readonly { id: string; source: string; url: string | null }[]): void;
  failUnrun(issues: readonly IssueInput[], reason: string, now: number): unknown;
}

export interface IntakeOptions {
  source: Source;
  store: IntakeStore;
  target: IntakeTarget;
  events: EventBus;
  clock: Clock;
  onBlockerFailure: BlockerFailureMode;
  /** List again this often (ms) and run until stopped; null: list once (a tracker: again when all is done) and end. */
  watchMs: number | null;
  /** Issues the store holds that are not finished (backlog, queued, running, merging): --watch says it waits for work only at 0. */
  workLeft(): number;
  /** Called before each listing after the first: reports of what finished go out first, so the listing shows what they released. */
  beforeListing?(): Promise<void>;
  /** Run until stop() even without --watch: issues are offered (offer()) rather than listed, as the load test's arrivals are. */
  keepOpen?: boolean;
  /** Wait before asking a tracker that did not answer again (ms). */
  retryMs: number;
  /** Issues of a tracker taken and not finished at most at once: the rest stay in the tracker for others. Null: no limit (a file). */
  window: number | null;
  /** A line for the user (skipped records, an issue claimed by someone else). */
  say(line: string): void;
  /** Something other than the tracker failed (the store): the run cannot go on. */
  fail(error: unknown): void;
}
