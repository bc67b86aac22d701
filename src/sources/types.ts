/**
 * Where issues come from: a file, or a tracker (beads, GitHub). Every
 * source answers the same few questions, so the intake (src/runtime/intake.ts)
 * knows nothing of `bd` or `gh`.
 */
import type { IssueInput } from '../store/types.js';

export const SOURCE_KINDS = ['file', 'beads', 'github'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** An issue as a source gives it: what the store keeps, what blocks it, and where the tracker shows it. */
export interface BacklogIssue extends IssueInput {
  /** Ids of the issues that must be done before this one may start. */
  readonly blockedBy: readonly string[];
  /** The issue's page in its tracker, or null. */
  readonly url: string | null;
}

export interface Listing {
  issues: BacklogIssue[];
  /** Records that could not be read, each naming where and why; the others are listed. */
  problems: string[];
}

/** A report of an issue's outcome, as a source sends it. */
export interface OutcomeReport {
  /** The outbox row's id: written into the report, so a send that may have happened can be recognised. */
  readonly id: number;
  readonly issueId: string;
  readonly kind: 'done' | 'failed';
  /** One paragraph: what the agent did, or why the issue failed, and where its log is. */
  readonly text: string;
  /** A pull request that holds the work (merge mode `pr`), or null. */
  readonly pullRequest: string | null;
}

export interface Source {
  readonly kind: SourceKind;
  /** Where the issues come from, for messages: a path, `bd`, `gh (label harness)`. */
  readonly shown: string;
  /** Whether issues are claimed and reported back (a tracker), or only read (a file). */
  readonly tracked: boolean;
  /** The issues ready to be worked on now. Throws TrackerError when the tracker cannot be reached. */
  list(): Promise<Listing>;
  /** Take the issue for this harness; false when someone else has it (the issue is skipped). */
  claim(issue: BacklogIssue): Promise<boolean>;
  /** Send a report. Throws TrackerError: `refused` when the tracker will never take it, otherwise it is tried again. */
  report(report: OutcomeReport): Promise<void>;
  /** Whether a report whose send may have happened (a crash cut it short) is there already. */
  hasReport(report: OutcomeReport): Promise<boolean>;
  /** The state of an issue the listing does not show (a blocker closed by hand, say); a file has none to ask. */
  blockerState?(issueId: string): Promise<'done' | 'failed' | 'pending'>;
  /** Stop the tracker calls running now (the run is stopping); a file has none. */
  abort?(): void;
  /** Give a claimed issue back unworked (the run ended before it started). */
  release(issueId: string): Promise<void>;
}
