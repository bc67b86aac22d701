import type { Records } from '../ports.js';
import type { PostgresConnection } from './connection.js';
import { SNAPSHOT_COLUMNS, snapshotParams } from './rows.js';
import type { Membership } from './membership.js';
import type { Promising } from './promising.js';

export const SNAPSHOT_LIST = SNAPSHOT_COLUMNS.join(', ');

const INSERT_SNAPSHOT = `INSERT INTO metric_snapshots (${SNAPSHOT_LIST}) VALUES (${SNAPSHOT_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`;

/** What a run records besides sessions. A fleet's coordinators number their workers each on their own (coordinator_id '' outside a fleet). */
export function postgresRecords(c: PostgresConnection, member: Membership): Promising<Records> {
  return {
    upsertWorker: (worker) =>
      c.transact('record a worker', async (tx) => {
        await tx.run(
          `INSERT INTO workers (id, state, sessions_run, created_at, retired_at, retire_reason, coordinator_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (coordinator_id, id) DO UPDATE SET state = excluded.state, sessions_run = excluded.sessions_run,
             created_at = excluded.created_at, retired_at = excluded.retired_at, retire_reason = excluded.retire_reason`,
          [worker.id, worker.state, worker.sessionsRun, worker.createdAt, worker.retiredAt, worker.retireReason ?? null, member.id],
        );
      }),

    lastWorkerNumber: () =>
      c.transact('read the last worker number', async (tx) => {
        // The digits after `worker-`, as SQLite's CAST reads them.
        const row = await tx.row<{ n: number | null }>("SELECT max(substring(id FROM '^worker-([0-9]+)')::bigint) AS n FROM workers WHERE id ~ '^worker-[0-9]' AND coordinator_id = $1", [member.id]);
        return row?.n ?? 0;
      }),

    recordScaleOperation: (op) =>
      c.transact('record a scale operation', async (tx) => {
        await tx.run('INSERT INTO scale_operations (at, direction, from_count, to_count, reason) VALUES ($1, $2, $3, $4, $5)', [op.at, op.direction, op.from, op.to, op.reason]);
      }),

    recordBackpressure: (change) =>
      c.transact('record backpressure', async (tx) => {
        await tx.run('INSERT INTO backpressure_changes (at, active, queue_depth) VALUES ($1, $2, $3)', [change.at, change.active, change.queueDepth]);
      }),

    recordSnapshot: (snapshot) =>
      c.transact('record a metrics snapshot', async (tx) => {
        const params = snapshotParams(snapshot);
        await tx.run(
          INSERT_SNAPSHOT,
          SNAPSHOT_COLUMNS.map((column) => (column === 'backpressure_active' ? params.backpressure_active !== 0 : params[column])),
        );
      }),

    recordHold: (hold) =>
      c.transact('record a hold', async (tx) => {
        await tx.run("UPDATE holds SET ended_at = $1, ended_by = 'replaced' WHERE kind = $2 AND ended_at IS NULL", [hold.since, hold.kind]);
        await tx.run('INSERT INTO holds (kind, reason, fix, since, until) VALUES ($1, $2, $3, $4, $5)', [hold.kind, hold.reason, hold.fix, hold.since, hold.until]);
      }),

    endHold: (kind, at, by) =>
      c.transact('record the end of a hold', async (tx) => {
        await tx.run('UPDATE holds SET ended_at = $2, ended_by = $3 WHERE kind = $1 AND ended_at IS NULL', [kind, at, by]);
      }),
  };
}
