/**
 * The state machines of the four entities a run moves, as transition
 * tables. Stores apply transitions and never decide them: every store calls
 * `assertTransition` before it writes a new state, so an illegal move (a
 * done issue started again, a retired worker given work) throws the same
 * typed error whichever store holds the state.
 *
 * Issues:
 *   backlog  → queued        admitted by intake (only while backpressure is off)
 *   queued   → running       a worker starts a session for it
 *   running  → done          session succeeded (shared workspace, or PR opened)
 *   running  → merging       session succeeded with commits on its branch (worktree mode)
 *   running  → queued        failed / stalled / timed out with attempts left, or cancelled / lost
 *   running  → failed        failed with no attempts left
 *   merging  → done          its merge landed
 *   merging  → queued|failed merge conflict or red verify
 *   failed   → queued        retried by the user (a fresh attempt budget)
 *   backlog|queued → failed   a blocker failed (never ran)
 *
 * Sessions: open → one outcome (success, failure, stalled, timeout, cancelled, lost, held); outcomes are final.
 *
 * Workers:
 *   idle → busy → idle        one session
 *   busy → draining → retired marked by scale-down or recycling while busy
 *   idle → retired            scale-down or recycling of an idle worker
 *
 * Merge entries: see MERGE_ENTRY_TRANSITIONS below.
 */
import { IllegalTransitionError } from '../errors.js';
import type { IssueStatus, SessionOutcome, WorkerState } from './states.js';

export const ISSUE_TRANSITIONS = {
  backlog: ['queued', 'failed'],
  queued: ['running', 'failed'],
  running: ['done', 'merging', 'queued', 'failed'],
  merging: ['done', 'queued', 'failed'],
  done: [],
  failed: ['queued'],
} as const satisfies Record<IssueStatus, readonly IssueStatus[]>;

/** A session is `open` until it ends with its outcome. */
export type SessionStatus = 'open' | SessionOutcome;

export const SESSION_TRANSITIONS = {
  open: ['success', 'failure', 'stalled', 'timeout', 'cancelled', 'lost', 'held'],
  success: [],
  failure: [],
  stalled: [],
  timeout: [],
  cancelled: [],
  lost: [],
  held: [],
} as const satisfies Record<SessionStatus, readonly SessionStatus[]>;

export const WORKER_TRANSITIONS = {
  idle: ['busy', 'retired'],
  busy: ['idle', 'draining'],
  draining: ['retired'],
  retired: [],
} as const satisfies Record<WorkerState, readonly WorkerState[]>;

/** Mirrors src/merge/states.ts: queued → merging → landed | opened | rejected | queued; queued → rejected. */
export const MERGE_ENTRY_TRANSITIONS = {
  queued: ['merging', 'rejected'],
  merging: ['landed', 'opened', 'rejected', 'queued'],
  landed: [],
  opened: [],
  rejected: [],
} as const;

export type MergeEntryStatus = keyof typeof MERGE_ENTRY_TRANSITIONS;

export const MACHINES = {
  issue: ISSUE_TRANSITIONS,
  session: SESSION_TRANSITIONS,
  worker: WORKER_TRANSITIONS,
  'merge entry': MERGE_ENTRY_TRANSITIONS,
} as const;

export type Entity = keyof typeof MACHINES;

/** True when the table of `entity` allows `from → to`. Staying in a state is not a transition. */
export function canTransition(entity: Entity, from: string, to: string): boolean {
  const table = MACHINES[entity] as Record<string, readonly string[]>;
  return table[from]?.includes(to) ?? false;
}

/**
 * Throw IllegalTransitionError unless `from → to` is in the table. `id`
 * names the thing moved, for the message.
 */
export function assertTransition(entity: Entity, id: string | number, from: string, to: string): void {
  if (canTransition(entity, from, to)) return;
  const table = MACHINES[entity] as Record<string, readonly string[]>;
  const allowed = table[from];
  const article = /^[aeiou]/.test(entity) ? 'an' : 'a';
  const hint = allowed === undefined ? `"${from}" is not ${article} ${entity} state` : allowed.length ? `from ${from} it may go to ${allowed.join(', ')}` : `${from} is final`;
  throw new IllegalTransitionError(entity, String(id), from, to, hint);
}

/** The states a table knows, to refuse rows written by something else. */
export function isKnownState(entity: Entity, state: string): boolean {
  return Object.hasOwn(MACHINES[entity], state);
}
