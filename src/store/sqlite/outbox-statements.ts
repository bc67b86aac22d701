import type Database from 'better-sqlite3';
import { REPORT_COLUMNS, type ReportRecord } from './record-rows.js';
import type { Command, Query } from './statements.js';

/**
 * The outbox's statements (schema 10), prepared with the others. Reports
 * are inserted by triggers on issues (schema-steps.ts), never here.
 */
export function prepareOutboxStatements(db: Database.Database) {
  const query = <P extends unknown[], R>(sql: string): Query<P, R> => db.prepare<P, R>(sql);
  const command = <P extends unknown[]>(sql: string): Command<P> => db.prepare<P>(sql);
  return {
    trackIssue: command<[{ issue_id: string; source: string; url: string | null }]>(
      'INSERT INTO tracked_issues (issue_id, source, url) VALUES (@issue_id, @source, @url) ON CONFLICT (issue_id) DO NOTHING',
    ),
    trackerOf: query<[string], { source: string; url: string | null }>('SELECT source, url FROM tracked_issues WHERE issue_id = ?'),
    getReport: query<[number], ReportRecord>(`SELECT ${REPORT_COLUMNS} FROM outbox WHERE id = ?`),
    // Walks the partial index in id order and stops at the limit; without INDEXED BY the planner takes
    // idx_outbox_state and sorts every unsettled report. Its IN list must stay the index's.
    unsettledReports: query<[number], ReportRecord>(
      `SELECT ${REPORT_COLUMNS} FROM outbox INDEXED BY idx_outbox_unsettled WHERE state IN ('pending', 'sending') ORDER BY id LIMIT ?`,
    ),
    setReportProgress: command<[Pick<ReportRecord, 'id' | 'state' | 'attempts' | 'last_attempt_at' | 'settled_at' | 'error'>]>(
      `UPDATE outbox SET state = @state, attempts = @attempts, last_attempt_at = @last_attempt_at, settled_at = @settled_at, error = @error
       WHERE id = @id`,
    ),
    countReports: query<[], { state: string; n: number }>('SELECT state, count(*) AS n FROM outbox GROUP BY state'),
    latestReports: query<[number], ReportRecord>(`SELECT ${REPORT_COLUMNS} FROM outbox ORDER BY id DESC LIMIT ?`),
    latestReportsInState: query<[string, number], ReportRecord>(
      `SELECT ${REPORT_COLUMNS} FROM outbox WHERE state = ? ORDER BY id DESC LIMIT ?`,
    ),
  };
}
