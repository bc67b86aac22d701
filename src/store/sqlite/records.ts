import type { Records } from '../ports.js';
import type { SqliteConnection } from './connection.js';
import { snapshotParams } from './rows.js';

/** What a run records besides sessions. */
export function sqliteRecords(c: SqliteConnection): Records {
  return {
    upsertWorker(worker) {
      c.write(() =>
        c.sql.upsertWorker.run({
          id: worker.id,
          state: worker.state,
          sessions_run: worker.sessionsRun,
          created_at: worker.createdAt,
          retired_at: worker.retiredAt,
          retire_reason: worker.retireReason ?? null,
        }),
      );
    },

    lastWorkerNumber: () => c.sql.lastWorkerNumber.get()?.n ?? 0,

    recordScaleOperation(op) {
      c.write(() => c.sql.insertScaleOperation.run({ at: op.at, direction: op.direction, from_count: op.from, to_count: op.to, reason: op.reason }));
    },

    recordBackpressure(change) {
      c.write(() => c.sql.insertBackpressure.run({ at: change.at, active: change.active ? 1 : 0, queue_depth: change.queueDepth }));
    },

    recordSnapshot(snapshot) {
      c.write(() => c.sql.insertSnapshot.run(snapshotParams(snapshot)));
    },

    recordHold(hold) {
      c.write(() => {
        c.sql.endHold.run(hold.since, 'replaced', hold.kind);
        c.sql.insertHold.run({ kind: hold.kind, reason: hold.reason, fix: hold.fix, since: hold.since, until: hold.until });
      });
    },

    endHold(kind, at, by) {
      c.write(() => c.sql.endHold.run(at, by, kind));
    },
  };
}
