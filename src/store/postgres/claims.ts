import { afterAdmission, afterClaim, checkNewSession } from '../transitions.js';
import type { Claims } from '../ports.js';
import type { QueueView } from '../../core/run/state.js';
import type { IssueRow } from '../types.js';
import { issueText, type ClaimedIssues } from './claimed.js';
import type { PostgresConnection } from './connection.js';
import { queueView, viewAfter, viewOf, withQueueView, writeIssues, type ViewRecord } from './issues.js';
import { ISSUE_COLUMNS, toIssue, type IssueRecord } from './rows.js';
import { sqlLimit, type Tx } from './sql.js';
import type { Membership } from './membership.js';
import type { Promising } from './promising.js';

/** A fleet's coordinator claims only while it is live (its row locked FOR SHARE, as Membership.check does); `$n` is its id, '' outside a fleet. */
const LIVE = (n: number) => `($${n} = '' OR EXISTS (SELECT 1 FROM coordinators WHERE id = $${n} AND state = 'live' FOR SHARE))`;

/** Which issue a claim takes: the most urgent ready queued one, or the one asked for if it is queued and ready. */
const NEXT_READY = `id = (
    SELECT id FROM issues
    WHERE status = 'queued' AND (not_before IS NULL OR not_before <= $1)
    ORDER BY priority, seq
    FOR UPDATE SKIP LOCKED
    LIMIT 1
  )`;
const THAT_ONE = "id = $5 AND status = 'queued' AND (not_before IS NULL OR not_before <= $1)";

/**
 * A claim in one statement: the issue moved to running and its session
 * row, or neither. SKIP LOCKED: an issue another coordinator is claiming
 * at this moment is passed over rather than waited for, and never claimed
 * twice. The SET is what afterClaim computes (src/store/transitions.ts),
 * which the claim then asks, so the state machine keeps its say. A fleet's
 * session carries its coordinator and a fencing token of its own. A
 * session id already used claims nothing and says so (`taken`). The
 * queue view comes with it, read before the claim (viewAfter makes it).
 * The log path, which is named after the issue, is written next.
 */
const claimOpening = (which: string) =>
  withQueueView(
    `taken AS (
  SELECT EXISTS (SELECT 1 FROM sessions WHERE id = $3) AS taken
), claimed AS (
  UPDATE issues SET status = 'running', attempts = attempts + 1, not_before = NULL, updated_at = $1
  WHERE NOT (SELECT taken FROM taken) AND ${LIVE(2)} AND ${which}
  RETURNING ${ISSUE_COLUMNS}
), opened AS (
  INSERT INTO sessions (id, issue_id, worker_id, attempt, started_at, last_progress_at, coordinator_id, fence)
  SELECT $3, id, $4, prior_attempts + attempts, $1, $1, nullif($2, ''), CASE WHEN $2 = '' THEN NULL ELSE nextval('fence_seq') END FROM claimed
  RETURNING fence
)`,
    `(SELECT taken FROM taken) AS taken, (SELECT ${issueText('claimed')} FROM claimed) AS issue, (SELECT fence FROM opened) AS fence`,
    '(SELECT id FROM claimed)',
  );
const CLAIM_NEXT = claimOpening(NEXT_READY);
const CLAIM_ONE = claimOpening(THAT_ONE);

/** The fleet's sessions open now, counted while holding the fleet's claim lock (one claim at a time checks the cap). */
const FLEET_CLAIM_LOCK = "SELECT pg_advisory_xact_lock(1213353555, hashtext(current_schema() || ':fleet-claims'))";
const OPEN_SESSIONS = 'SELECT count(*) AS n FROM sessions WHERE ended_at IS NULL';

type ClaimRequest = Parameters<Claims['claim']>[0];
type Claimed = { issue: IssueRow | null; view: QueueView; path: string | null };

/** Admission and claims, each answering the queue as it leaves it. */
export function postgresClaims(c: PostgresConnection, member: Membership, claimed: ClaimedIssues): Promising<Claims> {
  /** The claim's statement, answering the queue it leaves; and the log path of the session opened. */
  const claimIn = async (tx: Tx, { sessionId, workerId, now, logPath, issueId }: ClaimRequest): Promise<Claimed> => {
    const me = member.id;
    type Answer = ViewRecord & { taken: boolean; issue: string | null; fence: number | null };
    const answer = (issueId === undefined ? await tx.row<Answer>(CLAIM_NEXT, [now, me, sessionId, workerId]) : await tx.row<Answer>(CLAIM_ONE, [now, me, sessionId, workerId, issueId]))!;
    checkNewSession(sessionId, answer.taken);
    if (answer.issue === null) {
      // Nothing ready, or this coordinator may claim no more: check() refuses the latter.
      await member.check(tx, null, 'claim an issue');
      return { issue: null, view: viewOf(answer), path: null };
    }
    const written = claimed.set(sessionId, answer.issue);
    const change = afterClaim({ ...written, status: 'queued', attempts: written.attempts - 1 }, now);
    if (answer.fence !== null) member.fences.set(sessionId, answer.fence);
    const path = logPath(written.id, change.priorAttempts + change.attempts, sessionId);
    return { issue: { ...written, ...change }, view: viewAfter(viewOf(answer), { from: 'queued', to: 'running', notBefore: null }), path };
  };

  return {
    admit: (limit, now) =>
      c.transact('admit issues', async (tx) => {
        if (!(limit > 0)) return { count: 0, view: await queueView(tx) };
        const head = await tx.rows<IssueRecord>(
          `SELECT ${ISSUE_COLUMNS} FROM issues WHERE status = 'backlog' ORDER BY priority, seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
          [sqlLimit(limit)],
        );
        await writeIssues(
          tx,
          head.map((record) => ({ id: record.id, change: afterAdmission(toIssue(record), now) })),
        );
        return { count: head.length, view: await queueView(tx) };
      }),

    claim: async (request) => {
      const cap = member.self?.fleetMaxWorkers ?? null;
      const answer =
        cap === null
          ? await c.fire('claim an issue', (tx) => claimIn(tx, request))
          : await c.transact('claim an issue', async (tx) => {
              // The lock, then the count in a statement of its own (a snapshot taken once the lock is held), sent together.
              const locked = tx.run(FLEET_CLAIM_LOCK);
              const counted = tx.row<{ n: number }>(OPEN_SESSIONS);
              await locked;
              const open = (await counted)?.n ?? 0;
              // The fleet runs as many sessions as it may: no claim until one ends (the coordinator asks again as the queue changes).
              if (open >= cap) return { issue: null, view: await queueView(tx), path: null };
              return claimIn(tx, request);
            });
      const { path, ...result } = answer;
      if (path !== null) {
        // Sent before the claim's answer is handed back, so before anything its caller asks next.
        c.fire('record a session log path', (tx) => tx.run('UPDATE sessions SET log_path = $2 WHERE id = $1', [request.sessionId, path])).catch(() => {
          // The session has no log path on record; what the store answers next (it cannot be reached) stops the run.
        });
      }
      return result;
    },

    queueView: () => c.transactOne('read the queue', (tx) => queueView(tx)),
  };
}
