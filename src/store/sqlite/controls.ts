import type { Controls } from '../ports.js';
import type { SqliteConnection } from './connection.js';
import { toControl } from './rows.js';

/** Operators' requests to the running harness, in the control_requests table (schema 9). */
export function sqliteControls(c: SqliteConnection): Controls {
  return {
    postControl(request) {
      return c.write(() => {
        const { lastInsertRowid } = c.sql.insertControl.run({
          kind: request.kind,
          target: request.target,
          requested_at: request.requestedAt,
          requested_by: request.requestedBy,
        });
        return toControl(c.sql.getControl.get(lastInsertRowid)!);
      });
    },

    takeControls(at) {
      return c.write(() => {
        // An immediate transaction: no other connection can take the same rows meanwhile.
        const pending = c.sql.pendingControls.all();
        for (const r of pending) c.sql.takeControl.run(at, r.id);
        return pending.map((r) => toControl({ ...r, taken_at: at }));
      });
    },

    answerControl(id, answer) {
      c.write(() => c.sql.answerControl.run(answer.at, answer.applied ? 1 : 0, answer.result, id));
    },

    listControls: (limit) => c.sql.latestControls.all(limit).map(toControl),
  };
}
