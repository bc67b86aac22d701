import { afterTransition, checkFinish, spendOf } from '../transitions.js';
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

    recordActivity(sessionId, a) {
      c.write(() =>
        c.sql.recordActivity.run({
          id: sessionId,
          at: a.at,
          text: a.text,
          cost_usd: a.costUsd,
          input_tokens: a.inputTokens,
          output_tokens: a.outputTokens,
          cache_read_tokens: a.cacheReadTokens,
          cache_write_tokens: a.cacheWriteTokens,
        }),
      );
    },

    markStalled(sessionId, at) {
      c.write(() => c.sql.markStalled.run(at, sessionId));
    },

    recordAgentSession(sessionId, agentSessionId, model) {
      c.write(() => {
        const record = c.sql.getSession.get(sessionId);
        if (!record) return;
        c.sql.setAgentSession.run(agentSessionId, model, sessionId);
        c.sql.setResumeFrom.run(agentSessionId, record.issue_id);
      });
    },

    finishSession(sessionId, end, transition) {
      return c.write(() => {
        const record = c.sql.getSession.get(sessionId);
        checkFinish(sessionId, record && { endedAt: record.ended_at, outcome: record.outcome });
        const issue = readIssue(c, record!.issue_id);
        const usage = end.usage ?? null;
        c.sql.endSession.run({
          id: sessionId,
          ended_at: end.endedAt,
          outcome: end.outcome,
          exit_code: end.exitCode ?? null,
          signal: end.signal ?? null,
          reason: end.reason ?? null,
          agent_session_id: usage?.agentSessionId ?? null,
          model: usage?.model ?? null,
          turns: usage?.turns ?? null,
          cost_usd: usage?.costUsd ?? null,
          input_tokens: usage ? usage.inputTokens : null,
          output_tokens: usage ? usage.outputTokens : null,
          cache_read_tokens: usage ? usage.cacheReadTokens : null,
          cache_write_tokens: usage ? usage.cacheWriteTokens : null,
          agent_error: usage?.agentError ?? null,
        });
        if (issue) writeIssue(c, issue.id, afterTransition(issue, transition, end.endedAt, usage));
        const spend = spendOf(usage);
        if (spend.costUsd || spend.inputTokens || spend.outputTokens) c.sql.addSpend.run(spend.costUsd, spend.inputTokens, spend.outputTokens);
        return queueView(c);
      });
    },

    openSessions: () => c.sql.openSessions.all().map((r) => toSession(r, c.statePath)),
  };
}
