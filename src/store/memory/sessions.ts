import { afterTransition, checkFinish, spendOf } from '../transitions.js';
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

    recordActivity(sessionId, a) {
      const stored = m.sessions.get(sessionId);
      if (!stored || stored.row.endedAt !== null) return;
      const row = stored.row;
      const usage = row.usage ?? { agentSessionId: null, model: null, turns: null, costUsd: null, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, agentError: null };
      const { costUsd, inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens } = a;
      row.usage = { ...usage, costUsd, inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens };
      row.activity = { at: a.at, text: a.text ?? row.activity?.text ?? null };
    },

    markStalled(sessionId, at) {
      const stored = m.sessions.get(sessionId);
      if (stored && stored.row.stalledAt === null) stored.row.stalledAt = at;
    },

    recordAgentSession(sessionId, agentSessionId, model) {
      const stored = m.sessions.get(sessionId);
      if (!stored) return;
      const usage = stored.row.usage ?? { agentSessionId: null, model: null, turns: null, costUsd: null, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, agentError: null };
      stored.row.usage = { ...usage, agentSessionId, model: model ?? usage.model };
      const issue = m.issues.get(stored.row.issueId);
      if (issue) issue.row.resumeFrom = agentSessionId;
    },

    finishSession(sessionId, end, transition) {
      const session = m.sessions.get(sessionId);
      checkFinish(sessionId, session?.row);
      const row = session!.row;
      const issue = m.issues.get(row.issueId);
      // Checked before anything changes, so a refused transition leaves no trace (as a rolled-back transaction would).
      const usage = end.usage ?? null;
      const change = issue && afterTransition(issue.row, transition, end.endedAt, usage);
      row.endedAt = end.endedAt;
      row.outcome = end.outcome;
      row.exitCode = end.exitCode ?? null;
      row.signal = end.signal ?? null;
      row.reason = end.reason ?? null;
      if (usage) row.usage = { ...usage, agentSessionId: usage.agentSessionId ?? row.usage?.agentSessionId ?? null, model: usage.model ?? row.usage?.model ?? null };
      const spend = spendOf(usage);
      m.spent.costUsd += spend.costUsd;
      m.spent.inputTokens += spend.inputTokens;
      m.spent.outputTokens += spend.outputTokens;
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
  if (forIssue.length === 1 && forIssue[0] === session) {
    m.sessionsByIssue.delete(issueId);
    return;
  }
  const rest = forIssue.filter((s) => s !== session);
  if (rest.length) m.sessionsByIssue.set(issueId, rest);
  else m.sessionsByIssue.delete(issueId);
}

export const finishedBefore = (a: StoredSession, b: StoredSession): boolean => {
  const aEnd = a.row.endedAt ?? 0;
  const bEnd = b.row.endedAt ?? 0;
  return aEnd !== bEnd ? aEnd < bEnd : a.order < b.order;
};
