/**
 * Which issues wait on which: pure decisions over the blockers an issue
 * names. An issue is ready when every blocker is done; when a blocker
 * failed, its dependents fail too (or keep waiting, by choice), and so do
 * theirs, transitively.
 */

/** What becomes of an issue whose blocker failed: it fails without running, or keeps waiting. */
export const BLOCKER_FAILURE_MODES = ['fail', 'wait'] as const;
export type BlockerFailureMode = (typeof BLOCKER_FAILURE_MODES)[number];

/** An issue's blockers as the gate sees them. */
export interface Dependent {
  readonly id: string;
  readonly blockedBy: readonly string[];
}

/** A blocker's state: finished one way or the other, or not yet. */
export type BlockerState = 'done' | 'failed' | 'pending';

export interface GateDecision {
  /** Every blocker done: submit these. */
  ready: string[];
  /** Failed because of `blocker`, which failed (directly or through a chain). */
  doomed: { id: string; blocker: string }[];
  /** A blocker failed, and the mode says to wait: these stay until it is retried and done. */
  stuck: string[];
}

/**
 * Sort the waiting issues: ready, doomed (mode `fail`, naming the blocker
 * that failed, the nearest one for a chain) or still waiting. `stateOf`
 * answers for ids outside `waiting`; waiting ids are pending to each other
 * until decided. Order follows `waiting`.
 */
export function decideGate(waiting: readonly Dependent[], stateOf: (id: string) => BlockerState, mode: BlockerFailureMode): GateDecision {
  const byId = new Map(waiting.map((d) => [d.id, d]));
  // Who is blocked by whom, among the waiting: walked backwards from each failed blocker.
  const dependents = new Map<string, string[]>();
  for (const d of waiting) {
    for (const b of d.blockedBy) {
      const list = dependents.get(b);
      if (list) list.push(d.id);
      else dependents.set(b, [d.id]);
    }
  }
  const failedBy = new Map<string, string>();
  const frontier: string[] = [];
  for (const d of waiting) {
    for (const b of d.blockedBy) {
      if (!byId.has(b) && stateOf(b) === 'failed' && !failedBy.has(d.id)) {
        failedBy.set(d.id, b);
        frontier.push(d.id);
      }
    }
  }
  for (let i = 0; i < frontier.length; i++) {
    const id = frontier[i]!;
    for (const next of dependents.get(id) ?? []) {
      if (failedBy.has(next)) continue;
      failedBy.set(next, id);
      frontier.push(next);
    }
  }
  const decision: GateDecision = { ready: [], doomed: [], stuck: [] };
  for (const d of waiting) {
    const blocker = failedBy.get(d.id);
    if (blocker !== undefined) {
      if (mode === 'fail') decision.doomed.push({ id: d.id, blocker });
      else decision.stuck.push(d.id);
      continue;
    }
    if (d.blockedBy.every((b) => !byId.has(b) && stateOf(b) === 'done')) decision.ready.push(d.id);
  }
  return decision;
}

/**
 * A cycle among the issues' blockers, as ids in blocking order ending where
 * it began (a → c → b → a: a is blocked by c, c by b, b by a), or null.
 * Blockers outside `issues` end a path. Iterative, for long chains.
 */
export function findCycle(issues: readonly Dependent[]): string[] | null {
  const byId = new Map(issues.map((d) => [d.id, d]));
  const state = new Map<string, 'open' | 'closed'>();
  for (const start of issues) {
    if (state.has(start.id)) continue;
    const path: string[] = [start.id];
    const next: number[] = [0];
    state.set(start.id, 'open');
    while (path.length > 0) {
      const id = path[path.length - 1]!;
      const blockers = byId.get(id)!.blockedBy;
      const i = next[next.length - 1]!;
      if (i >= blockers.length) {
        state.set(id, 'closed');
        path.pop();
        next.pop();
        continue;
      }
      next[next.length - 1] = i + 1;
      const b = blockers[i]!;
      if (!byId.has(b)) continue;
      const seen = state.get(b);
      if (seen === 'open') return [...path.slice(path.indexOf(b)), b];
      if (seen === 'closed') continue;
      state.set(b, 'open');
      path.push(b);
      next.push(0);
    }
  }
  return null;
}

/** Blockers that are neither among `issues` nor known to `known`. */
export function unknownBlockers(issues: readonly Dependent[], known: (id: string) => boolean): { id: string; blocker: string }[] {
  const ids = new Set(issues.map((d) => d.id));
  const out: { id: string; blocker: string }[] = [];
  for (const d of issues) for (const b of d.blockedBy) if (!ids.has(b) && !known(b)) out.push({ id: d.id, blocker: b });
  return out;
}

/**
 * How many waiting issues a run will get to: one of their blockers is
 * `active` (in the store's hands and not finished), or is itself such a
 * waiting issue. The others wait on what no one here works on (a tracker's
 * issue outside the listing, a failed blocker in mode wait) and must not
 * keep a one-off run open.
 */
export function liveWaiting(waiting: Iterable<Dependent>, active: (id: string) => boolean): number {
  const list = [...waiting];
  const live = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const issue of list) {
      if (live.has(issue.id)) continue;
      if (issue.blockedBy.some((b) => live.has(b) || active(b))) {
        live.add(issue.id);
        grew = true;
      }
    }
  }
  return live.size;
}
