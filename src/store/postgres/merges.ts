import { assertTransition } from '../../core/machines.js';
import { stripUndefined } from '../../core/objects.js';
import { StoreError } from '../../errors.js';
import { SUPERSEDED_REASON } from '../../merge/states.js';
import { afterTransition, checkMergeOutcome } from '../transitions.js';
import type { MergePort } from '../ports.js';
import type { MergeEntryRow } from '../types.js';
import type { PostgresConnection } from './connection.js';
import { listIssues, readIssue, writeIssue } from './issues.js';
import { MERGE_ENTRY_COLUMNS, toMergeEntry, type MergeEntryRecord } from './rows.js';
import { sqlLimit } from './sql.js';
import type { Promising } from './promising.js';

/** The merge queue's entries, and the issues they belong to. */
export function postgresMerges(c: PostgresConnection): Promising<MergePort> {
  return {
    enqueueMerge: (args) =>
      c.transact('queue a merge', async (tx) => {
        // Locked, so the issue cannot gain another entry meanwhile: an issue never has two waiting.
        if (!(await tx.row('SELECT 1 FROM issues WHERE id = $1 FOR UPDATE', [args.issueId]))) {
          throw new StoreError(`cannot queue a merge for issue ${args.issueId}: no such issue`);
        }
        await tx.run(
          "UPDATE merge_entries SET state = 'rejected', ended_at = $2, reason = $3 WHERE issue_id = $1 AND state IN ('queued', 'merging')",
          [args.issueId, args.now, SUPERSEDED_REASON],
        );
        const record = await tx.row<MergeEntryRecord>(
          `INSERT INTO merge_entries (issue_id, branch, head, state, queued_at) VALUES ($1, $2, $3, 'queued', $4) RETURNING ${MERGE_ENTRY_COLUMNS}`,
          [args.issueId, args.branch, args.head, args.now],
        );
        return toMergeEntry(record!);
      }),

    nextMerges: (limit) =>
      c.transact('list the next merges', async (tx) => {
        if (!(limit > 0)) return [];
        const records = await tx.rows<MergeEntryRecord>(`SELECT ${MERGE_ENTRY_COLUMNS} FROM merge_entries WHERE state = 'queued' ORDER BY id LIMIT $1`, [sqlLimit(limit)]);
        return records.map(toMergeEntry);
      }),

    getMerge: (id) =>
      c.transact('read a merge entry', async (tx) => {
        const record = await tx.row<MergeEntryRecord>(`SELECT ${MERGE_ENTRY_COLUMNS} FROM merge_entries WHERE id = $1`, [id]);
        return record && toMergeEntry(record);
      }),

    listMerges: (state) =>
      c.transact('list merge entries', async (tx) => {
        const records =
          state === undefined
            ? await tx.rows<MergeEntryRecord>(`SELECT ${MERGE_ENTRY_COLUMNS} FROM merge_entries ORDER BY id`)
            : await tx.rows<MergeEntryRecord>(`SELECT ${MERGE_ENTRY_COLUMNS} FROM merge_entries WHERE state = $1 ORDER BY id`, [state]);
        return records.map(toMergeEntry);
      }),

    setMergeState: (id, update, now, transition) =>
      c.transact('update a merge entry', async (tx) => {
        const record = await tx.row<MergeEntryRecord>(`SELECT ${MERGE_ENTRY_COLUMNS} FROM merge_entries WHERE id = $1 FOR UPDATE`, [id]);
        if (!record) throw new StoreError(`cannot update merge entry ${id}: no such entry`);
        const before = toMergeEntry(record);
        const row: MergeEntryRow = { ...before, ...stripUndefined(update) };
        if (row.state !== before.state) assertTransition('merge entry', id, before.state, row.state);
        if (transition) {
          const issue = await readIssue(tx, row.issueId, true);
          checkMergeOutcome(row.issueId, issue?.status);
          await writeIssue(tx, row.issueId, afterTransition(issue!, transition, now));
        }
        await tx.run(
          `UPDATE merge_entries SET state = $2, started_at = $3, ended_at = $4, base = $5, result = $6, reason = $7, url = $8,
             verify_pid = $9, verify_pgid = $10
           WHERE id = $1`,
          [id, row.state, row.startedAt, row.endedAt, row.base, row.result, row.reason, row.url, row.verifyPid, row.verifyPgid],
        );
        return row;
      }),

    mergeDepth: () =>
      c.transact('read the merge queue depth', async (tx) => {
        const row = await tx.row<{ n: number }>("SELECT count(*) AS n FROM merge_entries WHERE state IN ('queued', 'merging')");
        return row?.n ?? 0;
      }),

    getIssue: (id) => c.transact('read an issue', (tx) => readIssue(tx, id)),
    listIssues: (status) => c.transact('list issues', (tx) => listIssues(tx, status)),
  };
}
