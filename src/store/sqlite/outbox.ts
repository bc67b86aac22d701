import { afterSettle, afterStart, noReports, type ReportProgress } from '../outbox.js';
import type { Outbox } from '../ports.js';
import { REPORT_STATES, type ReportState } from '../types.js';
import type { SqliteConnection } from './connection.js';
import { toReport } from './rows.js';

/**
 * The outbox in the tracked_issues and outbox tables (schema 10). Reports
 * are queued by triggers on the issues table, in the transaction of the
 * status change they report; this module reads them and records sends.
 */
export function sqliteOutbox(c: SqliteConnection): Outbox {
  /** Read the report, compute the send's fields with `next`, write them; the row as it now is. */
  const progress = (id: number, next: (report: ReportProgress | undefined) => ReportProgress) =>
    c.write(() => {
      const record = c.sql.getReport.get(id);
      const report = record && toReport(record);
      const fields = next(report);
      c.sql.setReportProgress.run({ id, state: fields.state, attempts: fields.attempts, last_attempt_at: fields.lastAttemptAt, settled_at: fields.settledAt, error: fields.error });
      return { ...report!, ...fields };
    });
  return {
    trackIssues(issues) {
      c.write(() => {
        for (const { id, source, url } of issues) c.sql.trackIssue.run({ issue_id: id, source, url });
      });
    },

    trackerOf(issueId) {
      return c.sql.trackerOf.get(issueId);
    },

    unsettledReports: (limit) => c.sql.unsettledReports.all(sqlLimit(limit)).map(toReport),

    startReport: (id, at) => progress(id, (report) => afterStart(id, report, at)),

    settleReport(id, result) {
      progress(id, (report) => afterSettle(id, report, result));
    },

    reportCounts() {
      const counts = noReports();
      for (const { state, n } of c.sql.countReports.all()) {
        if ((REPORT_STATES as readonly string[]).includes(state)) counts[state as ReportState] = n;
      }
      return counts;
    },

    listReports({ state, limit }) {
      const records = state === undefined ? c.sql.latestReports.all(sqlLimit(limit)) : c.sql.latestReportsInState.all(state, sqlLimit(limit));
      return records.map(toReport);
    },
  };
}

/** A LIMIT for SQLite: nothing for zero, negative or NaN, whole rows for a fraction, every row (-1) for Infinity. */
function sqlLimit(limit: number): number {
  if (!(limit > 0)) return 0;
  return Number.isFinite(limit) ? Math.floor(limit) : -1;
}
