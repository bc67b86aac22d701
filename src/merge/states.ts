/**
 * States of a merge queue entry: one successful branch waiting to land.
 *
 *   queued   → merging    the merger takes it (oldest entry first)
 *   merging  → landed     its result is on the target branch (issue done)
 *   merging  → opened     pr mode: its pull request was opened (issue done)
 *   merging  → rejected   conflict, red verify or git failure (issue requeued or failed)
 *   merging  → queued     interrupted (a restart), or sent back by a batch whose
 *                         culprit was another entry
 *   queued   → rejected   superseded by a newer entry of the same issue, or its
 *                         issue is no longer waiting to merge
 */
export const MERGE_ENTRY_STATES = ['queued', 'merging', 'landed', 'opened', 'rejected'] as const;
export type MergeEntryState = (typeof MERGE_ENTRY_STATES)[number];

/** States that count towards the merge queue's depth. */
export const ACTIVE_MERGE_STATES: readonly MergeEntryState[] = ['queued', 'merging'];

/** Why an older entry of an issue leaves the queue when a newer one arrives. */
export const SUPERSEDED_REASON = 'superseded by a newer merge entry of the same issue';
