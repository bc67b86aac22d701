import { afterAdmission, afterClaim, checkNewSession } from '../transitions.js';
import type { Claims } from '../ports.js';
import type { SqliteConnection } from './connection.js';
import { queueView, writeIssue } from './issues.js';
import { storedLogPath, toIssue } from './rows.js';

/** Admission and claims, each one IMMEDIATE transaction that answers the queue as it leaves it. */
export function sqliteClaims(c: SqliteConnection): Claims {
  return {
    admit(limit, now) {
      if (!(limit > 0)) return { count: 0, view: queueView(c) };
      // SQLite reads a negative LIMIT as "no limit".
      const sqlLimit = Number.isFinite(limit) ? Math.floor(limit) : -1;
      return c.write(() => {
        const admitted = c.sql.backlogHead.all(sqlLimit);
        for (const record of admitted) writeIssue(c, record.id, afterAdmission(toIssue(record), now));
        return { count: admitted.length, view: queueView(c) };
      });
    },

    claim({ sessionId, workerId, now, logPath, issueId }) {
      return c.write(() => {
        const record = issueId === undefined ? c.sql.nextQueued.get(now) : c.sql.queuedReady.get(issueId, now);
        if (!record) return { issue: null, view: queueView(c) };
        checkNewSession(sessionId, c.sql.getSession.get(sessionId) !== undefined);
        const queued = toIssue(record);
        const change = afterClaim(queued, now);
        writeIssue(c, queued.id, change);
        const attempt = change.priorAttempts + change.attempts;
        c.sql.insertSession.run({
          id: sessionId,
          issue_id: queued.id,
          worker_id: workerId,
          attempt,
          started_at: now,
          log_path: storedLogPath(c.statePath, logPath(queued.id, attempt, sessionId)),
        });
        return { issue: { ...queued, ...change }, view: queueView(c) };
      });
    },

    queueView: () => queueView(c),
  };
}
