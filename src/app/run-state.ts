import { hostname } from 'node:os';
import type { IssueStatus } from '../core/states.js';
import { describeHolder } from '../runtime/coordinator-parts.js';
import { isAlive, processIdentity } from '../runtime/processes.js';
import { moveStateAside } from '../store/layout.js';
import { holderState } from '../store/run-lock.js';
import type { Store } from '../store/types.js';

/** What `harness run` says about the state it starts from: --fresh, --retry-failed, and a state with nothing left to do. */

/** An id as a terminal may show it: quoted and escaped when it holds control characters. */
export function shownId(id: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f-\u009f]/.test(id) ? JSON.stringify(id) : id;
}

function idList(ids: readonly string[], max = 10): string {
  const shown = ids.slice(0, max).map(shownId).join(', ');
  return ids.length > max ? `${shown} and ${ids.length - max} more` : shown;
}

/** `--fresh`: move the state aside (never delete it) and say where it went. */
export function freshState(statePath: string, shown: string): string {
  const self = hostname();
  const now = Date.now();
  const moved = moveStateAside(statePath, {
    now: new Date(now),
    isLive: (holder) => holderState(holder, { hostname: self, now, isAlive, identify: processIdentity }) === 'live',
    describe: (holder) => describeHolder(holder, now),
  });
  return moved
    ? `--fresh: moved the previous state aside to ${moved} (with its logs, as ${moved}.logs); starting a new state at ${shown}\n`
    : `--fresh: there is no state at ${shown} yet; starting one\n`;
}

/** `--retry-failed`: every failed issue back in the queue with a fresh budget; their sessions stay. */
export function retryFailed(store: Store, maxAttempts: number, now: number): string {
  const failed = store.listIssues('failed').map((issue) => issue.id);
  if (failed.length === 0) return '--retry-failed: no issue has failed; nothing to retry';
  store.retryIssues(failed, now);
  return `--retry-failed: ${failed.length} failed issue(s) back in the queue with a fresh budget of ${maxAttempts} attempt(s): ${idList(failed)}`;
}

/** When every issue of the state is finished already, say so and how to start again; null when there is work. */
export function finishedStateNote(counts: Record<IssueStatus, number>, shownState: string): string | null {
  if (counts.backlog + counts.queued + counts.running + counts.merging > 0 || counts.done + counts.failed === 0) return null;
  const retry = counts.failed > 0 ? '; with --retry-failed (or `harness retry <id>...`), failed issues get a fresh budget of attempts' : '';
  return (
    `nothing to do: every issue in ${shownState} is finished (${counts.done} done, ${counts.failed} failed). ` +
    `To start again, run again with --fresh, which moves this state aside and starts a new one${retry}`
  );
}

/** The same for a fleet's store, said once a coordinator found nothing to run: null when it ran something, or work is left. */
export function fleetFinishedNote(counts: Record<IssueStatus, number>, location: string): string | null {
  if (counts.backlog + counts.queued + counts.running + counts.merging > 0 || counts.done + counts.failed === 0) return null;
  const retry = counts.failed > 0 ? '; `harness retry <id>... --store <url>` gives failed issues a fresh budget of attempts' : '';
  return `nothing to do: every issue in the fleet's store ${location} is finished (${counts.done} done, ${counts.failed} failed); add issues with --issues <file>${retry}`;
}
