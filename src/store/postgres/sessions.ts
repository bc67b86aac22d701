import { afterTransition, checkFinish, spendOf } from '../transitions.js';
import type { Sessions } from '../ports.js';
import type { PostgresConnection } from './connection.js';
import { issueParams, issueUpdate, queueView } from './issues.js';
import { SESSION_COLUMNS, toIssue, toSession, type IssueRecord, type SessionRecord } from './rows.js';
import { Membership } from './membership.js';
import type { Promising } from './promising.js';

const FINISH_READ = `
SELECT ${SESSION_COLUMNS.split(', ').map((column) => `s.${column.trim()}`).join(', ')}, row_to_json(i) AS issue_row
FROM sessions s JOIN issues i ON i.id = s.issue_id
WHERE s.id = $1 AND ${Membership.guard(2, 3)}
FOR UPDATE OF s, i`;

const FINISH_WRITE = `
WITH ended AS (
  UPDATE sessions SET ended_at = $2, outcome = $3, exit_code = $4, signal = $5, reason = $6,
    agent_session_id = coalesce($7, agent_session_id), model = coalesce($8, model), turns = $9,
    cost_usd = $10, input_tokens = $11, output_tokens = $12, cache_read_tokens = $13, cache_write_tokens = $14, agent_error = $15
  WHERE id = $1
), moved AS (
  ${issueUpdate(16)}
)
UPDATE spend_totals SET cost_usd = cost_usd + $27::float8, input_tokens = input_tokens + $28::bigint, output_tokens = output_tokens + $29::bigint
WHERE id = 1 AND ($27::float8 <> 0 OR $28::bigint <> 0 OR $29::bigint <> 0)`;

/** A session's life after its claim: its process, its progress, a stall, its end. */
export function postgresSessions(c: PostgresConnection, member: Membership): Promising<Sessions> {
  /**
   * One fenced update of a session (`sql`'s WHERE gets the fleet's guard,
   * its parameters follow the session id): a statement on its own, which
   * the store's next call need not wait for, and a second question only
   * when it changed nothing, to refuse a write the fleet no longer lets
   * through.
   */
  const guarded = new Map<string, string>();
  const fenced = (sessionId: string, operation: string, sql: string, params: readonly unknown[]): Promise<void> =>
    c.fire(operation, async (tx) => {
      const me = params.length + 2;
      let statement = guarded.get(sql);
      if (statement === undefined) guarded.set(sql, (statement = `${sql} AND ${Membership.guard(me, me + 1)}`));
      const changed = await tx.run(statement, [sessionId, ...params, ...member.guardParams(sessionId)]);
      if (changed === 0) await member.check(tx, sessionId, operation);
    });
  return {
    setSessionProcess: (sessionId, pid, pgid) =>
      fenced(sessionId, 'record a session process', 'UPDATE sessions SET pid = $2, pgid = $3 WHERE id = $1', [pid, pgid]),

    touchSession: (sessionId, at) => fenced(sessionId, 'record session progress', 'UPDATE sessions SET last_progress_at = $2 WHERE id = $1', [at]),

    recordActivity: (sessionId, a) =>
      fenced(
        sessionId,
        "record the agent's activity",
        `UPDATE sessions SET last_activity = coalesce($3, last_activity), last_activity_at = $2, cost_usd = $4,
           input_tokens = $5, output_tokens = $6, cache_read_tokens = $7, cache_write_tokens = $8
         WHERE id = $1 AND ended_at IS NULL`,
        [a.at, a.text, a.costUsd, a.inputTokens, a.outputTokens, a.cacheReadTokens, a.cacheWriteTokens],
      ),

    markStalled: (sessionId, at) => fenced(sessionId, 'record a stall', 'UPDATE sessions SET stalled_at = $2 WHERE id = $1 AND stalled_at IS NULL', [at]),

    recordAgentSession: (sessionId, agentSessionId, model) =>
      c.transact("record the agent's session", async (tx) => {
        const [me, fence] = member.guardParams(sessionId);
        const session = await tx.row<{ issue_id: string }>(
          `UPDATE sessions SET agent_session_id = $2, model = coalesce($3, model) WHERE id = $1 AND ${Membership.guard(4, 5)} RETURNING issue_id`,
          [sessionId, agentSessionId, model, me, fence],
        );
        if (session) await tx.run('UPDATE issues SET resume_from = $2 WHERE id = $1', [session.issue_id, agentSessionId]);
        else await member.check(tx, sessionId, "record an agent's session");
      }),

    finishSession: (sessionId, end, transition) =>
      c.transact('record the end of a session', async (tx) => {
        // The session and its issue, both locked, in one statement.
        const record = await tx.row<SessionRecord & { issue_row: IssueRecord }>(FINISH_READ, [sessionId, ...member.guardParams(sessionId)]);
        if (!record) await member.check(tx, sessionId, 'record the end of a session');
        checkFinish(sessionId, record && { endedAt: record.ended_at, outcome: record.outcome });
        const issue = toIssue(record!.issue_row);
        const usage = end.usage ?? null;
        // Checked before anything is written: a move the state machine forbids changes nothing.
        const change = afterTransition(issue, transition, end.endedAt, usage);
        const spend = spendOf(usage);
        // The session's end, its issue's move and the spend, in one statement, sent with the question of the queue it leaves.
        const written = tx.run(FINISH_WRITE, [
          sessionId,
          end.endedAt,
          end.outcome,
          end.exitCode ?? null,
          end.signal ?? null,
          end.reason ?? null,
          usage?.agentSessionId ?? null,
          usage?.model ?? null,
          usage?.turns ?? null,
          usage?.costUsd ?? null,
          usage ? usage.inputTokens : null,
          usage ? usage.outputTokens : null,
          usage ? usage.cacheReadTokens : null,
          usage ? usage.cacheWriteTokens : null,
          usage?.agentError ?? null,
          ...issueParams(issue.id, change),
          spend.costUsd,
          spend.inputTokens,
          spend.outputTokens,
        ]);
        const [, view] = await Promise.all([written, queueView(tx)]);
        member.fences.delete(sessionId);
        return view;
      }),

    // A fleet's coordinator answers for its own sessions only: the others' are theirs, or the fleet's to requeue.
    openSessions: () =>
      c.transactOne('list open sessions', async (tx) =>
        (
          await tx.rows<SessionRecord>(
            `SELECT ${SESSION_COLUMNS} FROM sessions WHERE ended_at IS NULL AND ($1 = '' OR coordinator_id = $1) ORDER BY started_at, n`,
            [member.id],
          )
        ).map(toSession),
      ),
  };
}
