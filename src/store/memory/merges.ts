import { assertTransition } from '../../core/machines.js';
import { StoreError } from '../../errors.js';
import { ACTIVE_MERGE_STATES, SUPERSEDED_REASON } from '../../merge/states.js';
import { afterTransition, checkMergeOutcome } from '../transitions.js';
import type { MergePort } from '../ports.js';
import type { MergeEntryRow } from '../types.js';
import { memoryIssueQueries } from './queries.js';
import type { MemoryState } from './state.js';

export function memoryMerges(m: MemoryState): MergePort {
  const { getIssue, listIssues } = memoryIssueQueries(m);
  return {
    enqueueMerge(args) {
      if (!m.issues.has(args.issueId)) throw new StoreError(`cannot queue a merge for issue ${args.issueId}: no such issue`);
      for (const entry of m.merges) {
        if (entry.issueId === args.issueId && ACTIVE_MERGE_STATES.includes(entry.state)) {
          Object.assign(entry, { state: 'rejected', endedAt: args.now, reason: SUPERSEDED_REASON });
        }
      }
      const row: MergeEntryRow = {
        id: (m.merges.at(-1)?.id ?? 0) + 1,
        issueId: args.issueId,
        branch: args.branch,
        head: args.head,
        state: 'queued',
        queuedAt: args.now,
        startedAt: null,
        endedAt: null,
        base: null,
        result: null,
        reason: null,
        url: null,
        verifyPid: null,
        verifyPgid: null,
      };
      m.merges.push(row);
      m.mergeIndex.set(row.id, row);
      return { ...row };
    },

    nextMerges(limit) {
      const max = Math.floor(limit);
      const rows: MergeEntryRow[] = [];
      for (const entry of m.merges) {
        if (rows.length >= max) break;
        if (entry.state === 'queued') rows.push({ ...entry });
      }
      return rows;
    },

    getMerge(id) {
      const entry = m.mergeIndex.get(id);
      return entry && { ...entry };
    },

    listMerges: (state) => m.merges.filter((e) => state === undefined || e.state === state).map((e) => ({ ...e })),

    setMergeState(id, update, now, transition) {
      const entry = m.mergeIndex.get(id);
      if (!entry) throw new StoreError(`cannot update merge entry ${id}: no such entry`);
      // Everything is checked before anything changes, so a refused call leaves no trace (as a rolled-back transaction would).
      if (update.state !== undefined && update.state !== entry.state) assertTransition('merge entry', id, entry.state, update.state);
      const issue = m.issues.get(entry.issueId);
      let change;
      if (transition) {
        checkMergeOutcome(entry.issueId, issue?.row.status);
        change = afterTransition(issue!.row, transition, now);
      }
      for (const [key, value] of Object.entries(update)) {
        if (value !== undefined) Object.assign(entry, { [key]: value });
      }
      if (issue && change) m.change(issue, change);
      return { ...entry };
    },

    mergeDepth: () => m.mergeDepth(),
    getIssue,
    listIssues,
  };
}
