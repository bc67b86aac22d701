/**
 * What the run's interpreter works with (its ports), and the answers of the
 * slow ones: a worktree prepared, a branch assessed for merging. Each runs
 * while other sessions go on, and its answer arrives as an event.
 */
import type { SessionRunner } from '../agents/types.js';
import type { EventBus } from '../core/events.js';
import type { HostSample, HostSampler } from '../core/host.js';
import type { Command, RunEvent } from '../core/run/protocol.js';
import type { ScaleMetrics } from '../core/metrics-types.js';
import type { RunStore } from '../store/ports.js';
import type { Clock } from './clock.js';
import type { MergeService, SessionHooks, WorkspaceProvider, WorkspaceRequest } from './coordinator-types.js';

export interface EnginePorts {
  clock: Clock;
  events: EventBus;
  /** Where dispatched runs keep their state; none for a standalone ScaleManager. */
  store?: RunStore | null;
  runner?: SessionRunner | null;
  workspaces?: WorkspaceProvider | null;
  /** beforeRun and afterRun around each session's agent. */
  hooks?: SessionHooks | null;
  merge?: MergeService | null;
  /** Working directory of sessions without a workspace. */
  cwd: string;
  newSessionId?: () => string;
  /** Where a session's log goes. */
  logPath?: (issueId: string, attempt: number, sessionId: string) => string | null;
  /** The merge queue's depth, when a probe reports it (standalone ScaleManager). */
  mergeDepth?: () => number;
  /** Print the metrics table (the seed's display every N sessions). */
  display?: (metrics: ScaleMetrics) => void;
  onFinish?: () => void;
  /** The machine's load and free memory, read before each health check when the rules set a host limit; none: never read. */
  host?: HostSampler | null;
}

type Feed = (event: RunEvent) => void;

/** Prepare the issue's workspace; `prepared` or `prepare-failed` follows. */
export function prepareWorkspace(workspaces: WorkspaceProvider | null | undefined, request: WorkspaceRequest, feed: Feed): void {
  const { sessionId, issueId } = request;
  if (!workspaces) return feed({ type: 'prepare-failed', sessionId, error: 'no workspaces are configured' });
  Promise.resolve()
    .then(() => workspaces.prepare(issueId, request))
    .then(
      (ws) => feed({ type: 'prepared', sessionId, cwd: ws.path, branch: ws.branch }),
      (error: unknown) => feed({ type: 'prepare-failed', sessionId, error: error instanceof Error ? error.message : String(error) }),
    );
}

/** Ask the merge queue about a successful branch; `handed-off` follows (done at once without a merge queue). */
export function handOffBranch(merge: MergeService | null | undefined, c: Extract<Command, { type: 'hand-off' }>, feed: Feed): void {
  const answer = (status: 'merging' | 'done' | 'failed', reason: string | null, head: string | null) =>
    feed({ type: 'handed-off', sessionId: c.sessionId, status, reason, head });
  if (!merge) return answer('done', null, null);
  Promise.resolve()
    .then(() => merge.assess(c.issue, c.branch))
    .then(
      (r) => answer(r.status, r.status === 'failed' ? r.reason : null, r.status === 'merging' ? r.head : null),
      (error: unknown) => answer('failed', `could not assess the branch for merging: ${error instanceof Error ? error.message : String(error)}`, null),
    );
}

/**
 * One reading of the host, or null when the sampler failed or gave no
 * usable figures: the check then goes on as if no limit were set, since a
 * reading that is not there must not stop the pool from reaching its minimum.
 */
export function sampleHost(sampler: HostSampler): HostSample | null {
  try {
    const sample = sampler();
    return Number.isFinite(sample.load1) && Number.isFinite(sample.freeBytes) ? sample : null;
  } catch {
    return null;
  }
}

export function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as Promise<unknown> | null)?.then === 'function';
}

export function defaultSessionId(): string {
  return crypto.randomUUID();
}
