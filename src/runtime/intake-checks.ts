/** Checks of a backlog before it is worked on, and the small conversions the intake makes. */
import { findCycle, unknownBlockers } from '../core/dependencies.js';
import { InputError } from '../errors.js';
import type { BacklogIssue } from '../sources/types.js';
import type { IssueInput } from '../store/types.js';
import type { IntakeOptions } from './intake-types.js';

/**
 * Refuse a backlog no run could finish: a dependency cycle, or (a file) a
 * blocker that is no issue of the file nor of the state. InputError, naming
 * the cycle or the blockers.
 */
export function checkBlockers(issues: readonly BacklogIssue[], context: { shown: string; tracked: boolean; known(id: string): boolean }): void {
  const blocked = issues.some((i) => i.blockedBy.length > 0);
  if (!blocked) return;
  const cycle = findCycle(issues);
  if (cycle) throw new InputError(`dependency cycle: ${cycle.join(' → ')} (each is blocked by the next); none of them could ever start: remove one of these blockers`);
  if (context.tracked) return;
  const unknown = unknownBlockers(issues, context.known).map(({ id, blocker }) => `${JSON.stringify(id)} is blocked by ${JSON.stringify(blocker)}`);
  if (unknown.length > 0) {
    throw new InputError(`${unknown.length} blocker(s) are no issue of ${context.shown} nor of the state: add them, or remove them from blockedBy`, unknown.slice(0, 20));
  }
}

export function toInput(issue: BacklogIssue): IssueInput {
  return { id: issue.id, title: issue.title, body: issue.body, priority: issue.priority, labels: issue.labels };
}

export function byUrgency(a: BacklogIssue, b: BacklogIssue): number {
  return a.priority - b.priority;
}

/**
 * Record issues whose blocker failed as failed without running, grouped by
 * that blocker (one transaction each), tracked first so that a tracker's
 * issue gets its report; each is announced as `issue:blocked-failed`.
 */
export function failDoomed(doomed: readonly { issue: BacklogIssue; blocker: string }[], o: Pick<IntakeOptions, 'source' | 'store' | 'events' | 'clock'>): void {
  const byBlocker = new Map<string, BacklogIssue[]>();
  for (const { issue, blocker } of doomed) byBlocker.set(blocker, [...(byBlocker.get(blocker) ?? []), issue]);
  for (const [blocker, issues] of byBlocker) {
    if (o.source.tracked) o.store.trackIssues(issues.map((i) => ({ id: i.id, source: o.source.kind, url: i.url })));
    o.store.failUnrun(issues.map(toInput), `blocked by ${blocker}, which failed`, o.clock.now());
    for (const i of issues) o.events.emit('issue:blocked-failed', { at: o.clock.now(), issueId: i.id, blocker });
  }
}
