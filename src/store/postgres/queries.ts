import type { QueryPort } from '../ports.js';
import type { PostgresConnection } from './connection.js';
import { countIssues, listIssues, readIssue } from './issues.js';
import { SNAPSHOT_LIST } from './records.js';
import {
  SESSION_COLUMNS,
  toBackpressure,
  toHold,
  toScaleOperation,
  toSession,
  toSnapshot,
  toWorker,
  type HoldRecord,
  type ScaleOperationRecord,
  type SessionRecord,
  type WorkerRecord,
} from './rows.js';
import type { Promising } from './promising.js';

/** Lower bound for the optional `since` of list methods. */
const SINCE_EVER = Number.MIN_SAFE_INTEGER;

const HOLD_COLUMNS = 'kind, reason, fix, since, until, ended_at, ended_by';

/** Read-only questions about the state, each one statement. */
export function postgresQueries(c: PostgresConnection): Promising<QueryPort> {
  const list = <R, T>(operation: string, sql: string, map: (record: R) => T, params: readonly unknown[] = []) =>
    c.transactOne(operation, async (tx) => (await tx.rows<R>(sql, params)).map(map));
  return {
    getIssue: (id) => c.transactOne('read an issue', (tx) => readIssue(tx, id)),
    listIssues: (status) => c.transactOne('list issues', (tx) => listIssues(tx, status)),
    countIssues: () => c.transactOne('count issues', (tx) => countIssues(tx)),
    getSession: (id) =>
      c.transactOne('read a session', async (tx) => {
        const record = await tx.row<SessionRecord>(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = $1`, [id]);
        return record && toSession(record);
      }),
    sessionsForIssue: (issueId) =>
      list('list sessions of an issue', `SELECT ${SESSION_COLUMNS} FROM sessions WHERE issue_id = $1 ORDER BY started_at, attempt`, toSession, [issueId]),
    finishedSessions: (since) =>
      list('list finished sessions', `SELECT ${SESSION_COLUMNS} FROM sessions WHERE ended_at >= $1 ORDER BY ended_at, n`, toSession, [since ?? SINCE_EVER]),
    listWorkers: () =>
      list<WorkerRecord, ReturnType<typeof toWorker>>('list workers', 'SELECT id, state, sessions_run, created_at, retired_at, retire_reason FROM workers ORDER BY created_at, id', toWorker),
    listScaleOperations: (since) =>
      list<ScaleOperationRecord, ReturnType<typeof toScaleOperation>>(
        'list scale operations',
        'SELECT at, direction, from_count, to_count, reason FROM scale_operations WHERE at >= $1 ORDER BY at, id',
        toScaleOperation,
        [since ?? SINCE_EVER],
      ),
    listBackpressure: (since) =>
      list('list backpressure changes', 'SELECT at, active, queue_depth FROM backpressure_changes WHERE at >= $1 ORDER BY at, id', toBackpressure, [since ?? SINCE_EVER]),
    listSnapshots: (since) =>
      list('list metrics snapshots', `SELECT ${SNAPSHOT_LIST} FROM metric_snapshots WHERE at >= $1 ORDER BY at, id`, toSnapshot, [since ?? SINCE_EVER]),
    listHolds: (activeOnly) =>
      list<HoldRecord, ReturnType<typeof toHold>>(
        'list holds',
        `SELECT ${HOLD_COLUMNS} FROM holds${activeOnly ? ' WHERE ended_at IS NULL' : ''} ORDER BY since, id`,
        toHold,
      ),
  };
}
