import { afterSettle, afterStart, isSettled, type ReportProgress } from '../outbox.js';
import type { Outbox } from '../ports.js';
import type { ReportRow } from '../types.js';
import type { MemoryState } from './state.js';

/** The outbox in memory: reports are queued by MemoryState.change and insert, with the status change they report. */
export function memoryOutbox(m: MemoryState): Outbox {
  const find = (id: number): ReportRow | undefined => (Number.isInteger(id) ? m.reports[id - 1] : undefined);
  const apply = (report: ReportRow, progress: ReportProgress): void => {
    m.reportCounts[report.state] -= 1;
    Object.assign(report, progress);
    m.reportCounts[report.state] += 1;
    if (isSettled(report.state)) m.unsettled.delete(report.id);
  };
  return {
    trackIssues(issues) {
      for (const { id, source, url } of issues) if (!m.tracked.has(id)) m.tracked.set(id, { source, url });
    },

    trackerOf(issueId) {
      const tracker = m.tracked.get(issueId);
      return tracker && { ...tracker };
    },

    unsettledReports(limit) {
      const rows: ReportRow[] = [];
      const max = limit > 0 ? Math.floor(limit) : 0;
      for (const id of m.unsettled) {
        if (rows.length >= max) break;
        rows.push({ ...m.reports[id - 1]! });
      }
      return rows;
    },

    startReport(id, at) {
      const report = find(id);
      const progress = afterStart(id, report, at);
      apply(report!, progress);
      return { ...report! };
    },

    settleReport(id, result) {
      const report = find(id);
      apply(report!, afterSettle(id, report, result));
    },

    reportCounts: () => ({ ...m.reportCounts }),

    listReports({ state, limit }) {
      const rows: ReportRow[] = [];
      const max = limit > 0 ? Math.floor(limit) : 0;
      for (let i = m.reports.length - 1; i >= 0 && rows.length < max; i--) {
        const report = m.reports[i]!;
        if (state === undefined || report.state === state) rows.push({ ...report });
      }
      return rows;
    },
  };
}
