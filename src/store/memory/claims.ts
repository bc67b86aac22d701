import { afterAdmission, afterClaim, checkNewSession } from '../transitions.js';
import type { Claims } from '../ports.js';
import type { SessionRow } from '../types.js';
import { copyIssue, type MemoryState, type StoredSession } from './state.js';

function readyHead(m: MemoryState, now: number) {
  const entry = m.queues.nextReady(now);
  return entry && m.issues.get(entry.id);
}

function readyIssue(m: MemoryState, id: string, now: number) {
  const stored = m.issues.get(id);
  const ready = stored?.row.status === 'queued' && (stored.row.notBefore === null || stored.row.notBefore <= now);
  return ready ? stored : undefined;
}

export function memoryClaims(m: MemoryState): Claims {
  return {
    admit(limit, now) {
      const max = Math.floor(limit);
      let count = 0;
      while (count < max) {
        const entry = m.queues.takeBacklog();
        const stored = entry && m.issues.get(entry.id);
        if (!stored) break;
        m.change(stored, afterAdmission(stored.row, now));
        count++;
      }
      return { count, view: m.queueView() };
    },

    claim({ sessionId, workerId, now, logPath, issueId }) {
      const stored = issueId === undefined ? readyHead(m, now) : readyIssue(m, issueId, now);
      if (!stored) return { issue: null, view: m.queueView() };
      checkNewSession(sessionId, m.sessions.has(sessionId));
      const id = stored.row.id;
      m.change(stored, afterClaim(stored.row, now));
      const attempt = stored.row.priorAttempts + stored.row.attempts;
      const row: SessionRow = {
        id: sessionId,
        issueId: id,
        workerId,
        attempt,
        pid: null,
        pgid: null,
        startedAt: now,
        lastProgressAt: now,
        stalledAt: null,
        endedAt: null,
        outcome: null,
        exitCode: null,
        signal: null,
        logPath: logPath(id, attempt, sessionId),
        reason: null,
        usage: null,
      };
      const session: StoredSession = { row, order: m.sessionOrder++ };
      m.sessions.set(sessionId, session);
      m.open.add(sessionId);
      const forIssue = m.sessionsByIssue.get(id);
      if (forIssue) forIssue.push(session);
      else m.sessionsByIssue.set(id, [session]);
      return { issue: copyIssue(stored.row), view: m.queueView() };
    },

    queueView: () => m.queueView(),
  };
}
