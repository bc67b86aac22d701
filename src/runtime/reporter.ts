/**
 * The outbox's sender. An issue's outcome and its report to the tracker are
 * written in one transaction (the store queues the report); this sends the
 * queued reports afterwards, one at a time, oldest first. A report whose
 * send began and never settled (the harness died meanwhile) is looked for
 * in the tracker before it is sent again, so the tracker sees it once. A
 * tracker that does not answer keeps the report queued and is asked again;
 * one that refuses it for good marks it rejected, and the run says so.
 */
import { existsSync } from 'node:fs';
import type { EventBus } from '../core/events.js';
import { TrackerError } from '../errors.js';
import { reportText } from '../sources/report-text.js';
import type { OutcomeReport, Source } from '../sources/types.js';
import type { IssueRow, ReportRow, SessionRow } from '../store/types.js';
import type { Clock, TimerHandle } from './clock.js';

export interface ReporterStore {
  unsettledReports(limit: number): ReportRow[];
  startReport(id: number, at: number): ReportRow;
  settleReport(id: number, result: { state: 'sent' | 'rejected' | 'pending'; at: number; error: string | null }): void;
  getIssue(id: string): IssueRow | undefined;
  sessionsForIssue(issueId: string): SessionRow[];
}

export interface ReporterOptions {
  source: Source;
  store: ReporterStore;
  clock: Clock;
  events: EventBus;
  /** Wait before trying a tracker that did not answer again (ms). */
  retryMs: number;
  /** The pull request that holds an issue's work (merge mode `pr`), or null. */
  pullRequestOf?(issueId: string): string | null;
}

/** Reports read from the store per pass. */
const BATCH = 50;

export class Reporter {
  private sending: Promise<void> | null = null;
  private again = false;
  private timer: TimerHandle | null = null;
  private stopped = false;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly o: ReporterOptions) {}

  /** Send what the outbox holds now (left by an earlier run, too), and each report as its outcome is recorded. */
  start(): void {
    const later = () => this.soon();
    this.unsubscribe.push(this.o.events.on('session:ended', later), this.o.events.on('merge:landed', later), this.o.events.on('merge:rejected', later), this.o.events.on('issue:blocked-failed', later));
    this.soon();
  }

  /**
   * Send what is queued, for at most `ms`: the end of a run. Returns how
   * many reports are left unsent (the next run sends them).
   */
  async drain(ms: number): Promise<number> {
    const deadline = this.o.clock.now() + ms;
    while (!this.stopped && this.o.clock.now() < deadline) {
      await this.send();
      const left = this.o.store.unsettledReports(1).length;
      if (left === 0) return 0;
      await this.o.clock.sleep(Math.min(this.o.retryMs, Math.max(1, deadline - this.o.clock.now())));
    }
    return this.o.store.unsettledReports(BATCH).length;
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.unsubscribe.forEach((off) => off());
  }

  /** After the outcome's transaction: a timer of 0 lets the write that queued the report commit first. */
  private soon(): void {
    if (this.stopped) return;
    this.o.clock.setTimeout(() => void this.send(), 0);
  }

  private send(): Promise<void> {
    if (this.sending) {
      this.again = true;
      return this.sending;
    }
    this.sending = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && !this.stopped);
    })()
      // Only the store throws anything else, and its failure already ends the run (onFailure); the reports stay queued.
      .catch(() => this.stop())
      .finally(() => (this.sending = null));
    return this.sending;
  }

  private async pass(): Promise<void> {
    for (const row of this.o.store.unsettledReports(BATCH)) {
      if (this.stopped) return;
      const ok = await this.sendOne(row);
      if (!ok) {
        // The tracker does not answer: the rest waits with this one.
        this.timer?.cancel();
        this.timer = this.o.clock.setTimeout(() => void this.send(), this.o.retryMs);
        return;
      }
    }
  }

  /** False when the tracker could not be reached (the report stays queued). */
  private async sendOne(row: ReportRow): Promise<boolean> {
    const { store, source, clock, events } = this.o;
    const report = this.reportOf(row);
    try {
      // A send that began and never settled (the harness died, a call timed out) may have reached the tracker.
      if (row.state === 'sending' && (await source.hasReport(report))) {
        store.settleReport(row.id, { state: 'sent', at: clock.now(), error: null });
        events.emit('report:sent', { at: clock.now(), issueId: row.issueId, kind: row.kind, source: row.source, resent: false });
        return true;
      }
      store.startReport(row.id, clock.now());
      await source.report(report);
      store.settleReport(row.id, { state: 'sent', at: clock.now(), error: null });
      events.emit('report:sent', { at: clock.now(), issueId: row.issueId, kind: row.kind, source: row.source, resent: row.attempts > 0 });
      return true;
    } catch (error) {
      if (!(error instanceof TrackerError)) throw error;
      // A send that failed to reach the tracker may still have reached it (a call that timed out after it took
      // effect): the report stays `sending`, so the next try looks for it in the tracker before sending it again.
      if (error.refused) store.settleReport(row.id, { state: 'rejected', at: clock.now(), error: error.message });
      events.emit(error.refused ? 'report:rejected' : 'report:waiting', { at: clock.now(), issueId: row.issueId, kind: row.kind, source: row.source, reason: error.message });
      return error.refused;
    }
  }

  private reportOf(row: ReportRow): OutcomeReport {
    const issue = this.o.store.getIssue(row.issueId);
    // A session that printed nothing has no log file: the report does not send anyone looking for one.
    const sessions = this.o.store.sessionsForIssue(row.issueId).map((s) => (s.logPath && !existsSync(s.logPath) ? { ...s, logPath: null } : s));
    const pullRequest = this.o.pullRequestOf?.(row.issueId) ?? null;
    const text = issue ? reportText(row.kind, issue, sessions, pullRequest) : `harness: this issue ended ${row.kind}.`;
    return { id: row.id, issueId: row.issueId, kind: row.kind, text, pullRequest };
  }
}
