import type { QueryPort } from '../ports.js';
import type { SqliteConnection } from './connection.js';
import { countIssues, readIssue } from './issues.js';
import { toBackpressure, toHold, toIssue, toScaleOperation, toSession, toSnapshot, toWorker } from './rows.js';

/** Lower bound for the optional `since` of list methods. */
const SINCE_EVER = Number.MIN_SAFE_INTEGER;

/** Read-only questions about the state. */
export function sqliteQueries(c: SqliteConnection): QueryPort {
  return {
    getIssue: (id) => readIssue(c, id),
    listIssues: (status) => (status === undefined ? c.sql.listIssues.all() : c.sql.listIssuesByStatus.all(status)).map(toIssue),
    countIssues: () => countIssues(c),
    getSession(id) {
      const record = c.sql.getSession.get(id);
      return record && toSession(record, c.statePath);
    },
    sessionsForIssue: (issueId) => c.sql.sessionsForIssue.all(issueId).map((r) => toSession(r, c.statePath)),
    finishedSessions: (since) => c.sql.finishedSessions.all(since ?? SINCE_EVER).map((r) => toSession(r, c.statePath)),
    listWorkers: () => c.sql.listWorkers.all().map(toWorker),
    listScaleOperations: (since) => c.sql.listScaleOperations.all(since ?? SINCE_EVER).map(toScaleOperation),
    listBackpressure: (since) => c.sql.listBackpressure.all(since ?? SINCE_EVER).map(toBackpressure),
    listSnapshots: (since) => c.sql.listSnapshots.all(since ?? SINCE_EVER).map(toSnapshot),
    listHolds: (activeOnly) => (activeOnly ? c.sql.activeHolds : c.sql.listHolds).all().map(toHold),
  };
}
