/**
 * The store as the merge queue sees it: its MergePort, answered at once
 * (SQLite, memory) or with a promise (PostgreSQL, for a fleet). The merge
 * code feeds either back the same way (runtime/answers.ts), so on a store
 * that answers at once it stays as synchronous as it was.
 */
import type { Answering, MergePort } from '../store/ports.js';
import type { MergeLeadership } from './leadership.js';

export type MergeStore = Answering<MergePort>;

/**
 * The merge loop's writes, refused (LeaseLostError) once its coordinator
 * no longer holds the merge lease: a coordinator that lost the lease while
 * a merge was under way writes nothing more about it, so the new leader's
 * recovery finds the entry as it was left (`merging`) and is the only one
 * to decide what becomes of it. Reads pass through.
 */
export function leaderOnly(store: MergeStore, leadership: MergeLeadership): MergeStore {
  return {
    enqueueMerge: (args) => {
      leadership.check('queue a merge');
      return store.enqueueMerge(args);
    },
    setMergeState: (id, update, now, transition) => {
      leadership.check(`update merge entry ${id}`);
      return store.setMergeState(id, update, now, transition);
    },
    nextMerges: (limit) => store.nextMerges(limit),
    getMerge: (id) => store.getMerge(id),
    listMerges: (state) => store.listMerges(state),
    mergeDepth: () => store.mergeDepth(),
    getIssue: (id) => store.getIssue(id),
    listIssues: (status) => store.listIssues(status),
  };
}
