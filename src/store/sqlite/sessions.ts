import { afterTransition, checkFinish } from '../transitions.js';
import type { Sessions } from '../ports.js';
import type { SqliteConnection } from './connection.js';
import { queueView, readIssue, writeIssue } from './issues.js';
import { toSession } from './rows.js';

/** A session's life after its claim: its process, its progress, a stall, its end. */
export function sqliteSessions(c: SqliteConnection): Sessions {
  return {
    setSessionProcess(sessionId, pid, pgid) {
      c.write(() => c.sql.setSessionProcess.run(pid, pgid, sessionId));
    },

    touchSession(sessionId, at) {
      c.write(() => c.sql.touchSession.run(at, sessionId));
    },

    markStalled(sessionId, at) {
      c.write(() => c.sql.markStalled.run(at, sessionId));
    },

    finishSession(sessionId, end, transition) {
      return c.write(() => {
        const record = c.sql.getSession.get(sessionId);
        checkFinish(sessionId, record && { endedAt: record.ended_at, outcome: record.outcome });
        const issue = readIssue(c, record!.issue_id);
        c.sql.endSession.run({
          id: sessionId,
          ended_at: end.endedAt,
          outcome: end.outcome,
          exit_code: end.exitCode ?? null,
          signal: end.signal ?? null,
          reason: end.reason ?? null,
        });
        if (issue) writeIssue(c, issue.id, afterTransition(issue, transition, end.endedAt));
        return queueView(c);
      });
    },

    openSessions: () => c.sql.openSessions.all().map((r) => toSession(r, c.statePath)),
  };
}
