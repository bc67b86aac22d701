/**
 * The outbox's rules, shared by every store so they cannot drift apart:
 * which status change owes a tracker a report, and what starting and
 * settling a send write. A report is settled once it is sent or rejected;
 * settled is final, so no report is sent twice.
 *
 * Reports:
 *   pending → sending          a send begins (startReport)
 *   sending → sending          a send begins again (a crash left it sending)
 *   pending|sending → sent     the tracker took it
 *   pending|sending → rejected the tracker refused it for good
 *   pending|sending → pending  the tracker could not be reached
 */
import type { IssueStatus } from '../core/states.js';
import { StoreError } from '../errors.js';
import { REPORT_STATES, type ReportKind, type ReportRow, type ReportState } from './types.js';

/** The report a tracked issue's status change owes: one for reaching done or failed (from another status), none otherwise. */
export function reportFor(from: IssueStatus | undefined, to: IssueStatus): ReportKind | null {
  return (to === 'done' || to === 'failed') && from !== to ? to : null;
}

export function isSettled(state: ReportState): boolean {
  return state === 'sent' || state === 'rejected';
}

/** The fields of a report a send writes. */
export type ReportProgress = Pick<ReportRow, 'state' | 'attempts' | 'lastAttemptAt' | 'settledAt' | 'error'>;

export type ReportResult = { state: 'sent' | 'rejected' | 'pending'; at: number; error: string | null };

/** A send begins: sending, one more attempt. The error of the latest failed send stays until this one is settled. */
export function afterStart(id: number, report: ReportProgress | undefined, at: number): ReportProgress {
  checkUnsettled('start sending', id, report);
  return { state: 'sending', attempts: report!.attempts + 1, lastAttemptAt: at, settledAt: null, error: report!.error };
}

/** What came of a send: settled at `at` when sent or rejected; pending again (unsettled) when the tracker could not be reached. */
export function afterSettle(id: number, report: ReportProgress | undefined, result: ReportResult): ReportProgress {
  checkUnsettled('settle', id, report);
  if (result.state !== 'sent' && result.state !== 'rejected' && result.state !== 'pending') {
    throw new StoreError(`cannot settle report ${id} as ${JSON.stringify(result.state)}: a send ends sent, rejected or pending`);
  }
  return {
    state: result.state,
    attempts: report!.attempts,
    lastAttemptAt: report!.lastAttemptAt,
    settledAt: result.state === 'pending' ? null : result.at,
    error: result.error,
  };
}

export function noReports(): Record<ReportState, number> {
  return Object.fromEntries(REPORT_STATES.map((s) => [s, 0])) as Record<ReportState, number>;
}

function checkUnsettled(what: string, id: number, report: ReportProgress | undefined): void {
  if (!report) throw new StoreError(`cannot ${what} report ${id}: no such report`);
  if (isSettled(report.state)) {
    throw new StoreError(`cannot ${what} report ${id}: it was already ${report.state} at ${report.settledAt}, and a settled report is final`);
  }
}
