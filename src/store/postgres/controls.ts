import type { Controls } from '../ports.js';
import type { PostgresConnection } from './connection.js';
import { CONTROL_COLUMNS, toControl } from './rows.js';
import type { Promising } from './promising.js';
import { sqlLimit } from './sql.js';

type ControlRecord = Parameters<typeof toControl>[0];

/** Operators' requests to the running harness, in the control_requests table. */
export function postgresControls(c: PostgresConnection): Promising<Controls> {
  return {
    postControl: (request) =>
      c.transact('post a control request', async (tx) => {
        const record = await tx.row<ControlRecord>(
          `INSERT INTO control_requests (kind, target, requested_at, requested_by) VALUES ($1, $2, $3, $4) RETURNING ${CONTROL_COLUMNS}`,
          [request.kind, request.target, request.requestedAt, request.requestedBy],
        );
        return toControl(record!);
      }),

    takeControls: (at) =>
      c.transact('take control requests', async (tx) => {
        // A request another connection takes at the same moment is waited for, found taken, and left: each is taken once.
        const taken = await tx.rows<ControlRecord>(`UPDATE control_requests SET taken_at = $1 WHERE taken_at IS NULL RETURNING ${CONTROL_COLUMNS}`, [at]);
        return taken.sort((a, b) => a.id - b.id).map(toControl);
      }),

    answerControl: (id, answer) =>
      c.transact('answer a control request', async (tx) => {
        await tx.run('UPDATE control_requests SET answered_at = $2, applied = $3, result = $4 WHERE id = $1', [id, answer.at, answer.applied, answer.result]);
      }),

    listControls: (limit) =>
      c.transact('list control requests', async (tx) =>
        (await tx.rows<ControlRecord>(`SELECT ${CONTROL_COLUMNS} FROM control_requests ORDER BY id DESC LIMIT $1`, [sqlLimit(limit)])).map(toControl),
      ),
  };
}
