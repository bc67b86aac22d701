import { assertTransition } from '../../core/machines.js';
import { stripUndefined } from '../../core/objects.js';
import { StoreError } from '../../errors.js';
import { SUPERSEDED_REASON } from '../../merge/states.js';
import { afterTransition, checkMergeOutcome } from '../transitions.js';
import type { MergePort } from '../ports.js';
import type { MergeEntryRow } from '../types.js';
import type { SqliteConnection } from './connection.js';
import { readIssue, writeIssue } from './issues.js';
import { mergeEntryParams, toIssue, toMergeEntry, type MergeEntryRecord } from './rows.js';

/** The merge queue's entries, and the issues they belong to. */
export function sqliteMerges(c: SqliteConnection): MergePort {
  return {
    enqueueMerge(args) {
      return c.write(() => {
        if (!c.sql.getIssue.get(args.issueId)) throw new StoreError(`cannot queue a merge for issue ${args.issueId}: no such issue`);
        c.sql.supersedeMergeEntries.run({ issue_id: args.issueId, now: args.now, reason: SUPERSEDED_REASON });
        const { lastInsertRowid } = c.sql.insertMergeEntry.run({ issue_id: args.issueId, branch: args.branch, head: args.head, queued_at: args.now });
        return toMergeEntry(c.sql.getMergeEntry.get(Number(lastInsertRowid)) as MergeEntryRecord);
      });
    },

    nextMerges(limit) {
      if (!(limit > 0)) return [];
      return c.sql.nextMergeEntries.all(Number.isFinite(limit) ? Math.floor(limit) : -1).map(toMergeEntry);
    },

    getMerge(id) {
      const record = c.sql.getMergeEntry.get(id);
      return record && toMergeEntry(record);
    },

    listMerges(state) {
      const records = state === undefined ? c.sql.listMergeEntries.all() : c.sql.listMergeEntriesByState.all(state);
      return records.map(toMergeEntry);
    },

    setMergeState(id, update, now, transition) {
      return c.write(() => {
        const record = c.sql.getMergeEntry.get(id);
        if (!record) throw new StoreError(`cannot update merge entry ${id}: no such entry`);
        const before = toMergeEntry(record);
        const row: MergeEntryRow = { ...before, ...stripUndefined(update) };
        if (row.state !== before.state) assertTransition('merge entry', id, before.state, row.state);
        if (transition) {
          const issue = readIssue(c, row.issueId);
          checkMergeOutcome(row.issueId, issue?.status);
          writeIssue(c, row.issueId, afterTransition(issue!, transition, now));
        }
        c.sql.updateMergeEntry.run(mergeEntryParams(row));
        return row;
      });
    },

    mergeDepth: () => c.sql.mergeDepth.get()?.n ?? 0,
    getIssue: (id) => readIssue(c, id),
    listIssues: (status) => (status === undefined ? c.sql.listIssues.all() : c.sql.listIssuesByStatus.all(status)).map(toIssue),
  };
}
