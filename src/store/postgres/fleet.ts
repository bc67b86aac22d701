import { FencedError, UsageError } from '../../errors.js';
import { afterTransition } from '../transitions.js';
import type { CoordinatorRow, CoordinatorState, Fleet, ReapedCoordinator } from '../ports.js';
import type { SessionRow } from '../types.js';
import type { PostgresConnection } from './connection.js';
import { readIssue, writeIssue } from './issues.js';
import type { Membership } from './membership.js';
import { SESSION_COLUMNS, toSession, type SessionRecord } from './rows.js';
import type { Tx } from './sql.js';
import type { Promising } from './promising.js';

export interface CoordinatorRecord {
  id: string;
  token: number;
  host: string;
  pid: number;
  process_start: string | null;
  version: string;
  max_workers: number;
  started_at: number;
  lease_ms: number;
  age_ms: number;
  state: CoordinatorState;
  ended_at: number | null;
  ended_by: string | null;
  running: number;
}

export const COORDINATOR_COLUMNS = `c.id, c.token, c.host, c.pid, c.process_start, c.version, c.max_workers, c.started_at, c.lease_ms,
  extract(epoch FROM clock_timestamp() - c.heartbeat_at) * 1000 AS age_ms, c.state, c.ended_at, c.ended_by,
  (SELECT count(*) FROM sessions s WHERE s.coordinator_id = c.id AND s.ended_at IS NULL) AS running`;

/** Every coordinator that joined, live ones first, then the latest. */
export const LIST_COORDINATORS = `SELECT ${COORDINATOR_COLUMNS} FROM coordinators c ORDER BY (c.state = 'live') DESC, c.token DESC`;

export function toCoordinator(r: CoordinatorRecord): CoordinatorRow {
  return {
    id: r.id,
    token: r.token,
    host: r.host,
    pid: r.pid,
    processStart: r.process_start,
    version: r.version,
    maxWorkers: r.max_workers,
    startedAt: r.started_at,
    leaseMs: r.lease_ms,
    heartbeatAgeMs: Math.max(0, Math.round(Number(r.age_ms))),
    state: r.state,
    endedAt: r.ended_at,
    endedBy: r.ended_by,
    running: Number(r.running),
  };
}

/**
 * End the open sessions of dead coordinators as lost and put their issues
 * back in the queue with the attempt refunded: the session did not fail,
 * its coordinator went away.
 */
async function loseSessions(tx: Tx, coordinatorIds: readonly string[], now: number, reason: (id: string) => string): Promise<Map<string, number>> {
  const lost = new Map<string, number>(coordinatorIds.map((id) => [id, 0]));
  if (coordinatorIds.length === 0) return lost;
  const open = await tx.rows<SessionRecord & { coordinator_id: string }>(
    `SELECT ${SESSION_COLUMNS}, coordinator_id FROM sessions WHERE coordinator_id = ANY($1::text[]) AND ended_at IS NULL ORDER BY n FOR UPDATE`,
    [coordinatorIds],
  );
  for (const session of open) {
    await tx.run("UPDATE sessions SET ended_at = $2, outcome = 'lost', reason = $3 WHERE id = $1", [session.id, now, reason(session.coordinator_id)]);
    const issue = await readIssue(tx, session.issue_id, true);
    if (issue?.status === 'running') await writeIssue(tx, issue.id, afterTransition(issue, { status: 'queued', notBefore: null, refundAttempt: true }, now));
    lost.set(session.coordinator_id, (lost.get(session.coordinator_id) ?? 0) + 1);
  }
  return lost;
}

function reapedOf(rows: readonly { id: string; host: string; pid: number }[], lost: Map<string, number>): ReapedCoordinator[] {
  return rows.map((r) => ({ id: r.id, host: r.host, pid: r.pid, sessions: lost.get(r.id) ?? 0 }));
}

/** Coordinators that merge join one at a time, so two checkouts never both find the other absent. */
const CHECKOUT_LOCK = "SELECT pg_advisory_xact_lock(1213353555, hashtext(current_schema() || ':fleet-checkout'))";

/**
 * Refuse a coordinator whose work would not reach where the fleet merges:
 * one that merges elsewhere while a coordinator merging in another place
 * is live, or while that place's branches still wait in the merge queue
 * (they exist only there); one that merges nothing (`shared:`, no
 * --worktrees) while a coordinator merging is live, or one that merges
 * while such a coordinator is live (its work would stay in its checkout).
 */
async function checkCheckout(tx: Tx, checkout: string): Promise<void> {
  await tx.run(CHECKOUT_LOCK);
  const shared = checkout.startsWith(SHARED);
  const live = await tx.row<{ id: string; checkout: string }>(
    `SELECT id, checkout FROM coordinators WHERE state = 'live' AND checkout IS NOT NULL AND checkout <> $1
       AND (starts_with(checkout, '${SHARED}') <> $2 OR NOT $2) ORDER BY token LIMIT 1`,
    [checkout, shared],
  );
  if (live && shared) {
    throw new UsageError(
      `this fleet merges in ${mergePlace(live.checkout)} (coordinator ${live.id} runs with --worktrees), and work done without --worktrees stays in its own checkout, never merged: ` +
        'run this coordinator with --worktrees there, or in a checkout of its own with merge.push naming the remote the fleet shares',
    );
  }
  if (live && live.checkout.startsWith(SHARED)) {
    throw new UsageError(
      `coordinator ${live.id} of this fleet runs without --worktrees (in ${mergePlace(live.checkout)}), so its work is never merged: ` +
        'a fleet merges with every coordinator or with none; run this one without --worktrees too, or stop that one first',
    );
  }
  if (live) {
    throw new UsageError(
      `this fleet merges in ${mergePlace(live.checkout)} (coordinator ${live.id} is live there), and a branch exists only where it was made: ` +
        'run this coordinator there, or give every checkout the remote they share (merge.push, the same URL everywhere)',
    );
  }
  if (shared) return;
  const waiting = await tx.row<{ checkout: string; n: number }>(
    `SELECT (SELECT checkout FROM coordinators WHERE checkout IS NOT NULL AND NOT starts_with(checkout, '${SHARED}') ORDER BY token DESC LIMIT 1) AS checkout,
            (SELECT count(*) FROM merge_entries WHERE state IN ('queued', 'merging')) AS n`,
  );
  if (waiting && waiting.checkout !== null && waiting.checkout !== checkout && Number(waiting.n) > 0) {
    throw new UsageError(
      `the merge queue holds ${waiting.n} branch(es) made for ${mergePlace(waiting.checkout)}, which exist only there: ` +
        'start a coordinator with --worktrees there to merge them first',
    );
  }
}

/** Refuse a coordinator that would merge with other settings than a live one's: the leader's would merge its branches. */
async function checkMergeSettings(tx: Tx, settings: string): Promise<void> {
  const other = await tx.row<{ id: string; merge_settings: string }>(
    "SELECT id, merge_settings FROM coordinators WHERE state = 'live' AND merge_settings IS NOT NULL AND merge_settings <> $1 ORDER BY token LIMIT 1",
    [settings],
  );
  if (!other) return;
  throw new UsageError(
    `coordinator ${other.id} of this fleet merges with ${other.merge_settings}, this one with ${settings}: ` +
      "the leader merges every coordinator's branches with its own settings, so give every coordinator the same merge settings (merge.mode, merge.strategy, merge.verify, merge.target, merge.batchSize)",
  );
}

/** The prefix of a coordinator that merges nothing (no --worktrees): `shared:<host>:<path>`. */
const SHARED = 'shared:';

/** Where a coordinator merges, as CoordinatorInfo.checkout records it: `remote:<url>`, or `<host>:<path>` of a checkout. */
function mergePlace(checkout: string): string {
  if (checkout.startsWith('remote:')) return `the remote ${checkout.slice('remote:'.length)}`;
  if (checkout.startsWith(SHARED)) return mergePlace(checkout.slice(SHARED.length));
  const at = checkout.indexOf(':');
  return `the checkout on ${checkout.slice(0, at)} in ${checkout.slice(at + 1)}`;
}

/** The fleet's cap on open sessions: the tightest any live coordinator was given. */
export const FLEET_CAP = "SELECT min(fleet_max_workers) AS cap FROM coordinators WHERE state = 'live'";

/** A fleet's membership, its leases and its table of coordinators. */
export function postgresFleet(c: PostgresConnection, member: Membership): Promising<Fleet> {
  const self = () => {
    if (!member.self) throw new Error('this store has not joined a fleet: call joinFleet first');
    return member.self;
  };
  return {
    joinFleet: (info) =>
      c.transact('join the fleet', async (tx) => {
        const checkout = info.checkout ?? null;
        const settings = info.mergeSettings ?? null;
        if (checkout !== null) await checkCheckout(tx, checkout);
        if (settings !== null) await checkMergeSettings(tx, settings);
        const token = (await tx.row<{ t: number }>("SELECT nextval('fence_seq') AS t"))!.t;
        const id = `${info.host}:${info.pid}:${token}`;
        await tx.run(
          `INSERT INTO coordinators (id, token, host, pid, process_start, version, max_workers, started_at, lease_ms, state, fleet_max_workers, checkout, merge_settings)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'live', $10, $11, $12)`,
          [id, token, info.host, info.pid, info.processStart, info.version, info.maxWorkers, info.startedAt, Math.round(info.leaseMs), info.fleetMaxWorkers, checkout, settings],
        );
        member.self = { id, token, fleetMaxWorkers: (await tx.row<{ cap: number | null }>(FLEET_CAP))?.cap ?? null };
        return { id, token };
      }),

    heartbeat: () =>
      c.transact('renew the coordinator lease', async (tx) => {
        const me = self();
        const renewed = await tx.row<{ cap: number | null }>(
          `UPDATE coordinators SET heartbeat_at = clock_timestamp() WHERE id = $1 AND state = 'live' RETURNING (${FLEET_CAP}) AS cap`,
          [me.id],
        );
        if (!renewed) await member.check(tx, null, 'renew its lease');
        if (!renewed) throw new FencedError(`coordinator ${me.id} is not in the fleet's table: start harness again to rejoin`);
        // Coordinators joining with a tighter cap bind this one too, from its next renewal.
        me.fleetMaxWorkers = renewed.cap;
      }),

    reapExpired: (now) =>
      c.transact('declare silent coordinators dead', async (tx) => {
        const dead = await tx.rows<{ id: string; host: string; pid: number; lease_ms: number }>(
          `UPDATE coordinators SET state = 'dead', ended_at = $1,
             ended_by = 'no heartbeat for ' || (lease_ms / 1000) || ' s; found by ' || $2
           WHERE state = 'live' AND id <> $2 AND heartbeat_at < clock_timestamp() - lease_ms * interval '1 millisecond'
           RETURNING id, host, pid, lease_ms`,
          [now, member.id],
        );
        const lost = await loseSessions(tx, dead.map((d) => d.id), now, (id) => `coordinator ${id} was presumed dead (no heartbeat within its lease); session requeued`);
        return reapedOf(dead, lost);
      }),

    leftOnHost: (host, now, isGone) =>
      c.transact("clear what this host's dead coordinators left", async (tx) => {
        const live = await tx.rows<{ id: string; host: string; pid: number; process_start: string | null }>(
          "SELECT id, host, pid, process_start FROM coordinators WHERE host = $1 AND state = 'live' AND id <> $2 ORDER BY id FOR UPDATE",
          [host, member.id],
        );
        const gone = live.filter((r) => isGone({ pid: r.pid, processStart: r.process_start }));
        if (gone.length > 0) {
          await tx.run("UPDATE coordinators SET state = 'dead', ended_at = $2, ended_by = $3 WHERE id = ANY($1::text[])", [
            gone.map((g) => g.id),
            now,
            `its process was gone when ${member.id || 'a coordinator'} started on ${host}`,
          ]);
        }
        const lost = await loseSessions(tx, gone.map((g) => g.id), now, (id) => `coordinator ${id} stopped unexpectedly; session requeued`);
        const sessions = await tx.rows<SessionRecord>(
          `SELECT ${SESSION_COLUMNS.split(', ').map((col) => `s.${col.trim()}`).join(', ')} FROM sessions s JOIN coordinators c ON c.id = s.coordinator_id
           WHERE c.host = $1 AND c.state = 'dead' AND s.outcome = 'lost' AND s.ended_at >= $2 ORDER BY s.n`,
          [host, now - 86_400_000],
        );
        return { reaped: reapedOf(gone, lost), sessions: sessions.map(toSession) as SessionRow[] };
      }),

    leaveFleet: (now, by) =>
      c.transact('leave the fleet', async (tx) => {
        const me = self();
        await tx.run("UPDATE coordinators SET state = 'ended', ended_at = $2, ended_by = $3 WHERE id = $1 AND state = 'live'", [me.id, now, by]);
        await tx.run('DELETE FROM leases WHERE holder = $1', [me.id]);
      }),

    listCoordinators: () => c.transact('list the coordinators', async (tx) => (await tx.rows<CoordinatorRecord>(LIST_COORDINATORS)).map(toCoordinator)),

    holdLease: (name, ttlMs) =>
      c.transact('hold a lease', async (tx) => {
        const me = self();
        await member.check(tx, null, `hold the ${name} lease`);
        const held = await tx.row<{ holder: string }>(
          `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
           ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
             WHERE leases.holder = excluded.holder OR leases.expires_at < clock_timestamp()
           RETURNING holder`,
          [name, me.id, Math.round(ttlMs)],
        );
        return held?.holder === me.id;
      }),

    releaseLease: (name) =>
      c.transact('release a lease', async (tx) => {
        await tx.run('DELETE FROM leases WHERE name = $1 AND holder = $2', [name, self().id]);
      }),
  };
}
