/**
 * What goes into the run's reducer (RunEvent: facts) and what comes out
 * (Command: requests). The interpreter (src/runtime/engine.ts) turns
 * commands into calls on the clock, the store, the runner and the event
 * bus, and feeds their answers back as events.
 */
import type { AgentEvent } from '../../agents/formats/events.js';
import type { SessionExit } from '../../agents/types.js';
import type { IssueInput, IssueRow, IssueTransition, SessionActivity, SessionEnd } from '../../store/types.js';
import type { HarnessEvents } from '../events.js';
import type { HostSample } from '../host.js';
import type { SessionOutcome } from '../states.js';
import type { HoldKind, QueueView } from './state.js';

/** A timer the reducer set: the health check, the retry wake-up, a usage-limit hold's probe, one session's timeout. */
export type TimerKey = 'health' | 'retry' | 'hold' | `timeout:${string}`;

export type RunEvent =
  // --- from the facades ----------------------------------------------------
  /** The store is claimed and recovered; `view` is the queue after the import. */
  | { type: 'initialized'; view: QueueView }
  /** run() was called: start dispatching. */
  | { type: 'run' }
  /** Issues arrived (imported, known ids left as they are). */
  | { type: 'issues'; issues: readonly IssueInput[] }
  | { type: 'hold-intake' }
  | { type: 'release-intake' }
  /** Stop starting sessions; `force` (or a second stop) cancels the running ones. */
  /** `quiet`: the run ends before it began (its backlog was refused), with no interrupt to announce. */
  | { type: 'stop'; force: boolean; quiet?: boolean }
  /** The scale manager starts (provision minWorkers, first check, arm the timer) or stops checking. */
  | { type: 'start-checks' }
  | { type: 'stop-checks' }
  /** One health check now (ScaleManager.runHealthCheck). */
  | { type: 'check' }
  /** Operations of the WorkerPool facade. */
  | { type: 'pool'; op: PoolOp }
  /** The standalone ScaleManager's hooks: whoever owns the sessions reports them. */
  | { type: 'queue-depth'; depth: number }
  | { type: 'hook-start'; workerId: string; sessionId: string; at: number }
  | { type: 'hook-progress'; sessionId: string; at: number }
  | { type: 'hook-end'; workerId: string; sessionId: string; outcome: SessionOutcome; durationMs: number; at: number }
  /** The merge queue moved (landed, rejected): its counts changed. */
  | { type: 'merge-moved' }
  /** An operator puts the fleet on hold (pause) or lifts a hold (resume, lift). */
  | { type: 'pause'; reason: string }
  | { type: 'lift-hold'; kind: HoldKind; by: string }
  /** The issues' tracker does not answer (intake holds), or answers again. */
  | { type: 'tracker-down'; reason: string; fix: string }
  | { type: 'tracker-up' }
  /** An operator stops one session (its issue goes back to the queue without spending an attempt); `by` says who, for its record. */
  | { type: 'cancel-session'; sessionId: string; by: string }
  // --- from the machine --------------------------------------------------------
  /** The machine's load and free memory, sampled by the interpreter just before a health check (see wantsHostSample); null: it could not be read. */
  | { type: 'host'; sample: HostSample | null }
  // --- from the clock --------------------------------------------------------
  | { type: 'timer'; key: TimerKey }
  // --- answers to commands -----------------------------------------------------
  | { type: 'admitted'; count: number; view: QueueView }
  /** `at`: the claim's time, which the store recorded as the session's start. */
  | { type: 'claimed'; workerId: string; sessionId: string; at: number; issue: IssueRow | null; view: QueueView }
  /** A store write that changes the queue has been made. */
  | { type: 'queue'; view: QueueView }
  /** Arriving issues were imported. */
  | { type: 'imported'; view: QueueView }
  | { type: 'prepared'; sessionId: string; cwd: string; branch: string }
  | { type: 'prepare-failed'; sessionId: string; error: string }
  | { type: 'spawned'; sessionId: string; pid: number; pgid: number }
  | { type: 'progress'; sessionId: string; at: number }
  /** What the agent's output stream said, parsed (structured formats). */
  | { type: 'agent'; sessionId: string; events: readonly AgentEvent[]; at: number }
  | { type: 'exited'; sessionId: string; exit: SessionExit }
  /** The merge queue's answer for a successful branch: queue it (from `head`), done already, or refused. */
  | { type: 'handed-off'; sessionId: string; status: 'merging' | 'done' | 'failed'; reason: string | null; head: string | null }
  /** A store operation failed: the run cannot record what it does, so it stops. */
  | { type: 'store-failed'; operation: string; message: string }
  /** Internal: publish the health check's metrics once the dispatch it caused has settled. */
  | { type: 'checked' };

export type PoolOp =
  | { kind: 'add'; count: number }
  | { kind: 'assign'; workerId: string; sessionId: string }
  | { kind: 'release'; workerId: string }
  | { kind: 'drain'; workerId: string; reason: string }
  | { kind: 'recycle'; workerId: string }
  | { kind: 'grow'; target: number }
  | { kind: 'shrink'; target: number; reason: string };

/** A store write; `now` is the reducer's time. Writes marked † answer with a `queue` event. */
export type StoreWrite =
  | { op: 'process'; sessionId: string; pid: number; pgid: number }
  | { op: 'touch'; sessionId: string; at: number }
  /** The health check found the session stalled. */
  | { op: 'stalled'; sessionId: string; at: number }
  /** The agent named its own session: keep it with the session and as what the issue's next session resumes. */
  | { op: 'agent-session'; sessionId: string; agentSessionId: string; model: string | null }
  /** What the running session's agent has said so far: its latest activity and spend. */
  | { op: 'activity'; sessionId: string; activity: SessionActivity }
  | { op: 'hold'; kind: HoldKind; reason: string; fix: string; since: number; until: number | null }
  | { op: 'hold-end'; kind: HoldKind; at: number; by: string }
  /** † */
  | { op: 'finish'; sessionId: string; end: SessionEnd; transition: IssueTransition }
  /** † */
  | { op: 'import'; issues: readonly IssueInput[]; now: number }
  /** † */
  | { op: 'refresh'; now: number }
  | { op: 'worker'; id: string; state: 'idle' | 'draining' | 'retired'; sessionsRun: number; createdAt: number; retiredAt: number | null; retireReason: string | null }
  | { op: 'scale'; at: number; direction: 'up' | 'down'; from: number; to: number; reason: string }
  | { op: 'backpressure'; at: number; active: boolean; queueDepth: number };

type Emit = { [K in keyof HarnessEvents]: { type: 'emit'; name: K; payload: HarnessEvents[K] } }[keyof HarnessEvents];

export type Command =
  | Emit
  | { type: 'set-timer'; key: TimerKey; at: number }
  | { type: 'cancel-timer'; key: TimerKey }
  /** Move up to `limit` backlog issues to the queue; answers `admitted`. */
  | { type: 'admit'; limit: number; now: number }
  /** Start a session for `workerId` on the most urgent ready issue, if any; answers `claimed`. */
  | { type: 'claim'; workerId: string; now: number }
  | { type: 'write'; write: StoreWrite }
  /** Prepare the issue's workspace for the session on `workerId`; answers `prepared` or `prepare-failed`. */
  | { type: 'prepare'; sessionId: string; issueId: string; workerId: string; attempt: number }
  /** Start the agent; answers `spawned`, `progress` and, once, `exited`. */
  | { type: 'spawn'; sessionId: string; workerId: string; attempt: number; issue: IssueRow; cwd: string | null; resumeFrom: string | null; budgetUsd: number | null }
  /** SIGTERM the session's group, SIGKILL after the grace; `exited` follows. */
  | { type: 'kill'; sessionId: string }
  /** Ask the merge queue about a successful branch; answers `handed-off`. */
  | { type: 'hand-off'; sessionId: string; issue: IssueRow; branch: string }
  /** Queue the branch of an issue whose session end (→ merging) is recorded. */
  | { type: 'enqueue-merge'; issue: IssueRow; branch: string; head: string | null; now: number }
  /** Publish `health:checked` with the metrics of this instant, and store them as a snapshot. */
  | { type: 'snapshot'; at: number }
  /** Print the metrics table (the seed's display every N sessions). */
  | { type: 'display' }
  /** Feed `event` after the answers to the commands before this one. */
  | { type: 'then'; event: RunEvent }
  /** The run is over: finish merging, release the store, resolve run(). */
  | { type: 'finish' };
