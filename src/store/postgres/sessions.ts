import { afterTransition, checkFinish, spendOf } from '../transitions.js';
import type { Sessions } from '../ports.js';
import type { AgentUsage, IssueRow, IssueTransition } from '../types.js';
import type { IssueChange } from '../transitions.js';
import type { PostgresConnection } from './connection.js';
import { issueParams, issueUpdate, queueView, viewAfter, viewOf, withQueueView, type ViewRecord } from './issues.js';
import { SESSION_COLUMNS, toIssue, toSession, type IssueRecord, type SessionRecord } from './rows.js';
import { issueText, type ClaimedIssues } from './claimed.js';
import { Membership } from './membership.js';
import type { Promising } from './promising.js';

const FINISH_READ = `
SELECT ${SESSION_COLUMNS.split(', ').map((column) => `s.${column.trim()}`).join(', ')}, row_to_json(i) AS issue_row
FROM sessions s JOIN issues i ON i.id = s.issue_id
WHERE s.id = $1 AND ${Membership.guard(2, 3)}
FOR UPDATE OF s, i`;

/** The session's end, its issue's move and the spend, in one statement; `when` is what all three wait for. */
const finishWrite = (when: string) => `
  ended AS (
    UPDATE sessions SET ended_at = $2, outcome = $3, exit_code = $4, signal = $5, reason = $6,
      agent_session_id = coalesce($7, agent_session_id), model = coalesce($8, model), turns = $9,
      cost_usd = $10, input_tokens = $11, output_tokens = $12, cache_read_tokens = $13, cache_write_tokens = $14, agent_error = $15
    WHERE id = $1 AND ${when}
  ), moved AS (
    ${issueUpdate(16)} AND ${when}
  ), spent AS (
    UPDATE spend_totals SET cost_usd = cost_usd + $27::float8, input_tokens = input_tokens + $28::bigint, output_tokens = output_tokens + $29::bigint
    WHERE id = 1 AND ($27::float8 <> 0 OR $28::bigint <> 0 OR $29::bigint <> 0) AND ${when}
  )`;

/** After the session and its issue were read, locked (FINISH_READ). */
const FINISH_WRITE = `WITH ${finishWrite('true')} SELECT 1`;

/**
 * The same without reading first: the issue decided from the row this
 * store last wrote, and written only while the session is open and the
 * issue's row is still that text ($32), both locked as FINISH_READ locks
 * them, with the queue view read before it (viewAfter makes the rest).
 * `applied` 0: something changed, and the end goes the long way.
 */
const FINISH_KNOWN = withQueueView(
  `target AS (
  SELECT s.id FROM sessions s JOIN issues i ON i.id = s.issue_id
  WHERE s.id = $1 AND s.ended_at IS NULL AND ${Membership.guard(30, 31)} AND ${issueText('i')} = $32
  FOR UPDATE OF s, i
), ${finishWrite('EXISTS (SELECT 1 FROM target)')}`,
  '(SELECT count(*) FROM target) AS applied',
);

/** The move of an issue as the store last wrote it, or null when the state machine refuses it there (the row may have changed since). */
function decide(issue: IssueRow, transition: IssueTransition, endedAt: number, usage: AgentUsage | null): IssueChange | null {
  try {
    return afterTransition(issue, transition, endedAt, usage);
  } catch {
    return null;
  }
}

/** A session's life after its claim: its process, its progress, a stall, its end. */
export function postgresSessions(c: PostgresConnection, member: Membership, claimed: ClaimedIssues): Promising<Sessions> {
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
        if (!session) return member.check(tx, sessionId, "record an agent's session");
        const moved = await tx.row<{ text: string }>(`UPDATE issues SET resume_from = $2 WHERE id = $1 RETURNING ${issueText('issues')} AS text`, [session.issue_id, agentSessionId]);
        // The end of the session is decided from the issue as it is now.
        if (moved && claimed.get(sessionId)) claimed.set(sessionId, moved.text);
      }),

    // Its one write is its last statement: the refusals come before, from what it read.
    finishSession: (sessionId, end, transition) =>
      c.transactWrite('record the end of a session', async (tx) => {
        const usage = end.usage ?? null;
        const spend = spendOf(usage);
        const params = (issue: IssueRow, change: IssueChange) => [
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
        ];
        const known = claimed.get(sessionId);
        claimed.delete(sessionId);
        const decided = known && decide(known.issue, transition, end.endedAt, usage);
        if (known && decided) {
          // One statement: the end written as this store knows the issue, answering the queue it leaves.
          const answer = await tx.row<ViewRecord & { applied: number }>(FINISH_KNOWN, [...params(known.issue, decided), ...member.guardParams(sessionId), known.text]);
          if (answer && Number(answer.applied) > 0) {
            member.fences.delete(sessionId);
            return viewAfter(viewOf(answer), { from: known.issue.status, to: decided.status, notBefore: decided.notBefore, spend });
          }
        }
        // The session and its issue, both locked, in one statement.
        const record = await tx.row<SessionRecord & { issue_row: IssueRecord }>(FINISH_READ, [sessionId, ...member.guardParams(sessionId)]);
        if (!record) await member.check(tx, sessionId, 'record the end of a session');
        checkFinish(sessionId, record && { endedAt: record.ended_at, outcome: record.outcome });
        const issue = toIssue(record!.issue_row);
        // Checked before anything is written: a move the state machine forbids changes nothing.
        const change = afterTransition(issue, transition, end.endedAt, usage);
        // The session's end, its issue's move and the spend, in one statement, sent with the question of the queue it leaves.
        const written = tx.run(FINISH_WRITE, params(issue, change));
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
