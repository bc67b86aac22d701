import { afterAdmission, afterClaim, checkNewSession } from '../transitions.js';
import type { Claims } from '../ports.js';
import type { PostgresConnection } from './connection.js';
import { queueView, viewOf, withQueueView, writeIssues, type ViewRecord } from './issues.js';
import { ISSUE_COLUMNS, toIssue, type IssueRecord } from './rows.js';
import { sqlLimit } from './sql.js';
import type { Membership } from './membership.js';
import type { Promising } from './promising.js';

/** A fleet's coordinator claims only while it is live (its row locked FOR SHARE, as Membership.check does); `$n` is its id, '' outside a fleet. */
const LIVE = (n: number) => `($${n} = '' OR EXISTS (SELECT 1 FROM coordinators WHERE id = $${n} AND state = 'live' FOR SHARE))`;

/**
 * The most urgent ready queued issue, moved to running in one statement.
 * SKIP LOCKED: an issue another coordinator is claiming at this moment is
 * passed over rather than waited for, and never claimed twice. The SET is
 * what afterClaim computes (src/store/transitions.ts), which the claim
 * then asks, so the state machine keeps its say.
 */
const CLAIM_NEXT = `
UPDATE issues SET status = 'running', attempts = attempts + 1, not_before = NULL, updated_at = $1
WHERE ${LIVE(2)} AND id = (
  SELECT id FROM issues
  WHERE status = 'queued' AND (not_before IS NULL OR not_before <= $1)
  ORDER BY priority, seq
  FOR UPDATE SKIP LOCKED
  LIMIT 1
)
RETURNING ${ISSUE_COLUMNS}`;

/** The same for one issue, if it is queued and ready (waiting for a coordinator that holds it, then asking again). */
const CLAIM_ONE = `
UPDATE issues SET status = 'running', attempts = attempts + 1, not_before = NULL, updated_at = $1
WHERE ${LIVE(3)} AND id = $2 AND status = 'queued' AND (not_before IS NULL OR not_before <= $1)
RETURNING ${ISSUE_COLUMNS}`;

/** The session row; a fleet's claim carries its coordinator and a fencing token of its own. */
const INSERT_SESSION = withQueueView(
  `opened AS (
  INSERT INTO sessions (id, issue_id, worker_id, attempt, started_at, last_progress_at, log_path, coordinator_id, fence)
  VALUES ($1, $2, $3, $4, $5, $5, $6, nullif($7, ''), CASE WHEN $7 = '' THEN NULL ELSE nextval('fence_seq') END)
  ON CONFLICT (id) DO NOTHING
  RETURNING fence
)`,
  '(SELECT count(*) FROM opened) AS opened, (SELECT fence FROM opened) AS fence',
);

/** The fleet's sessions open now, counted while holding the fleet's claim lock (one claim at a time checks the cap). */
const FLEET_CLAIM_LOCK = "SELECT pg_advisory_xact_lock(1213353555, hashtext(current_schema() || ':fleet-claims'))";
const OPEN_SESSIONS = 'SELECT count(*) AS n FROM sessions WHERE ended_at IS NULL';

/** Admission and claims, each one transaction that answers the queue as it leaves it. */
export function postgresClaims(c: PostgresConnection, member: Membership): Promising<Claims> {
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

    claim: ({ sessionId, workerId, now, logPath, issueId }) =>
      c.transact('claim an issue', async (tx) => {
        const cap = member.self?.fleetMaxWorkers ?? null;
        if (cap !== null) {
          await tx.run(FLEET_CLAIM_LOCK);
          const open = (await tx.row<{ n: number }>(OPEN_SESSIONS))?.n ?? 0;
          // The fleet runs as many sessions as it may: no claim until one ends (the coordinator asks again as the queue changes).
          if (open >= cap) return { issue: null, view: await queueView(tx) };
        }
        const me = member.id;
        const record = issueId === undefined ? await tx.row<IssueRecord>(CLAIM_NEXT, [now, me]) : await tx.row<IssueRecord>(CLAIM_ONE, [now, issueId, me]);
        if (!record) {
          // Nothing ready, or this coordinator may claim no more: check() refuses the latter.
          await member.check(tx, null, 'claim an issue');
          return { issue: null, view: await queueView(tx) };
        }
        const written = toIssue(record);
        const change = afterClaim({ ...written, status: 'queued', attempts: written.attempts - 1 }, now);
        const attempt = change.priorAttempts + change.attempts;
        // The session row and the queue as the claim leaves it, in one statement.
        const opened = await tx.row<ViewRecord & { opened: number; fence: number | null }>(INSERT_SESSION, [
          sessionId,
          written.id,
          workerId,
          attempt,
          now,
          logPath(written.id, attempt, sessionId),
          member.id,
        ]);
        // A session id already used: the claim is refused whole (the transaction rolls back).
        checkNewSession(sessionId, !opened || Number(opened.opened) === 0);
        if (opened?.fence !== null && opened?.fence !== undefined) member.fences.set(sessionId, opened.fence);
        return { issue: { ...written, ...change }, view: viewOf(opened) };
      }),

    queueView: () => c.transact('read the queue', (tx) => queueView(tx)),
  };
}
