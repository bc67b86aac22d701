import { afterTransition, checkFinish } from '../transitions.js';
import type { Sessions } from '../ports.js';
import { insertSorted } from './sorted.js';
import type { MemoryState, StoredSession } from './state.js';

export function memorySessions(m: MemoryState): Sessions {
  return {
    setSessionProcess(sessionId, pid, pgid) {
      const stored = m.sessions.get(sessionId);
      if (!stored) return;
      stored.row.pid = pid;
      stored.row.pgid = pgid;
    },

    touchSession(sessionId, at) {
      const stored = m.sessions.get(sessionId);
      if (stored) stored.row.lastProgressAt = at;
    },

    markStalled(sessionId, at) {
      const stored = m.sessions.get(sessionId);
      if (stored && stored.row.stalledAt === null) stored.row.stalledAt = at;
    },

    finishSession(sessionId, end, transition) {
      const session = m.sessions.get(sessionId);
      checkFinish(sessionId, session?.row);
      const row = session!.row;
      const issue = m.issues.get(row.issueId);
      // Checked before anything changes, so a refused transition leaves no trace (as a rolled-back transaction would).
      const change = issue && afterTransition(issue.row, transition, end.endedAt);
      row.endedAt = end.endedAt;
      row.outcome = end.outcome;
      row.exitCode = end.exitCode ?? null;
      row.signal = end.signal ?? null;
      row.reason = end.reason ?? null;
      m.open.delete(sessionId);
      if (m.retain) insertSorted(m.finished, session!, finishedBefore);
      else forget(m, session!);
      if (issue && change) m.change(issue, change);
      return m.queueView();
    },

    openSessions() {
      const open = [...m.open].map((id) => m.sessions.get(id)).filter((s) => s !== undefined);
      return open.sort((a, b) => a.row.startedAt - b.row.startedAt || a.order - b.order).map((s) => ({ ...s.row }));
    },
  };
}

/** A forgetting store keeps no finished session. */
function forget(m: MemoryState, session: StoredSession): void {
  const { id, issueId } = session.row;
  m.sessions.delete(id);
  const forIssue = m.sessionsByIssue.get(issueId);
  if (!forIssue) return;
  const rest = forIssue.filter((s) => s !== session);
  if (rest.length) m.sessionsByIssue.set(issueId, rest);
  else m.sessionsByIssue.delete(issueId);
}

export const finishedBefore = (a: StoredSession, b: StoredSession): boolean => {
  const aEnd = a.row.endedAt ?? 0;
  const bEnd = b.row.endedAt ?? 0;
  return aEnd !== bEnd ? aEnd < bEnd : a.order < b.order;
};
