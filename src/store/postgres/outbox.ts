import { afterSettle, afterStart, noReports, type ReportProgress } from '../outbox.js';
import type { Outbox } from '../ports.js';
import { REPORT_STATES, type ReportState } from '../types.js';
import type { PostgresConnection } from './connection.js';
import { REPORT_COLUMNS, toReport, type ReportRecord } from './rows.js';
import { sqlLimit } from './sql.js';
import type { Promising } from './promising.js';

/**
 * The outbox in the tracked_issues and outbox tables. Reports are queued
 * by triggers on the issues table (schema.ts), in the transaction of the
 * status change they report; this module reads them and records sends.
 */
export function postgresOutbox(c: PostgresConnection): Promising<Outbox> {
  /** Read the report (locked), compute the send's fields with `next`, write them; the row as it now is. */
  const progress = (operation: string, id: number, next: (report: ReportProgress | undefined) => ReportProgress) =>
    c.transact(operation, async (tx) => {
      const record = await tx.row<ReportRecord>(`SELECT ${REPORT_COLUMNS} FROM outbox WHERE id = $1 FOR UPDATE`, [id]);
      const report = record && toReport(record);
      const fields = next(report);
      await tx.run('UPDATE outbox SET state = $2, attempts = $3, last_attempt_at = $4, settled_at = $5, error = $6 WHERE id = $1', [
        id,
        fields.state,
        fields.attempts,
        fields.lastAttemptAt,
        fields.settledAt,
        fields.error,
      ]);
      return { ...report!, ...fields };
    });
  return {
    trackIssues: (issues) =>
      c.transact('track issues', async (tx) => {
        if (issues.length === 0) return;
        await tx.run(
          `INSERT INTO tracked_issues (issue_id, source, url)
           SELECT DISTINCT ON (id) id, source, url FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t (id, source, url, i)
           ORDER BY id, i
           ON CONFLICT (issue_id) DO NOTHING`,
          [issues.map((i) => i.id), issues.map((i) => i.source), issues.map((i) => i.url)],
        );
      }),

    trackerOf: (issueId) =>
      c.transact('read the tracker of an issue', (tx) => tx.row<{ source: string; url: string | null }>('SELECT source, url FROM tracked_issues WHERE issue_id = $1', [issueId])),

    unsettledReports: (limit) =>
      c.transact('list unsettled reports', async (tx) =>
        (await tx.rows<ReportRecord>(`SELECT ${REPORT_COLUMNS} FROM outbox WHERE state IN ('pending', 'sending') ORDER BY id LIMIT $1`, [sqlLimit(limit)])).map(toReport),
      ),

    startReport: (id, at) => progress('start sending a report', id, (report) => afterStart(id, report, at)),

    settleReport: async (id, result) => {
      await progress('settle a report', id, (report) => afterSettle(id, report, result));
    },

    reportCounts: () =>
      c.transact('count reports', async (tx) => {
        const counts = noReports();
        for (const { state, n } of await tx.rows<{ state: string; n: number }>('SELECT state, count(*) AS n FROM outbox GROUP BY state')) {
          if ((REPORT_STATES as readonly string[]).includes(state)) counts[state as ReportState] = n;
        }
        return counts;
      }),

    listReports: ({ state, limit }) =>
      c.transact('list reports', async (tx) => {
        const records =
          state === undefined
            ? await tx.rows<ReportRecord>(`SELECT ${REPORT_COLUMNS} FROM outbox ORDER BY id DESC LIMIT $1`, [sqlLimit(limit)])
            : await tx.rows<ReportRecord>(`SELECT ${REPORT_COLUMNS} FROM outbox WHERE state = $1 ORDER BY id DESC LIMIT $2`, [state, sqlLimit(limit)]);
        return records.map(toReport);
      }),
  };
}
