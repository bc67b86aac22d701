import type { HealthStatus, IssueStatus, SessionOutcome } from './states.js';

/**
 * Every event the core and runtime emit, by namespaced name. The terminal
 * view, the store writer and metrics subscribe; the core itself never logs.
 */
export interface HarnessEvents {
  'pool:added': { workerId: string; at: number };
  'pool:draining': { workerId: string; at: number; reason: string };
  'pool:retired': { workerId: string; at: number; reason: string; sessionsRun: number; createdAt: number };
  'pool:recycled': { oldWorkerId: string; newWorkerId: string; at: number; sessionsRun: number };
  'scale:up': { at: number; from: number; to: number; reason: string };
  'scale:down': { at: number; from: number; to: number; reason: string };
  /** The host is over host.maxLoad or under host.minFreeMemory, so the pool stays at `workers` (once per spell; `reason` gives the figures). */
  'scale:held': { at: number; workers: number; reason: string };
  /** The host is within its limits again: the pool may grow. */
  'scale:released': { at: number; workers: number };
  'backpressure:on': { at: number; queueDepth: number };
  'backpressure:off': { at: number; queueDepth: number };
  'health:changed': { at: number; from: HealthStatus; to: HealthStatus };
  'health:error': { at: number; error: unknown };
  /** After every health check, with the metrics it saw (the store snapshots these). */
  'health:checked': { at: number; metrics: import('./metrics-types.js').ScaleMetrics };
  'issue:admitted': { at: number; count: number; queueDepth: number };
  /** An issue failed without running: `blocker`, which it waited for, failed. */
  'issue:blocked-failed': { at: number; issueId: string; blocker: string };
  /** A report of an issue's outcome reached its tracker (`resent`: a send that failed before was made again). */
  'report:sent': { at: number; issueId: string; kind: 'done' | 'failed'; source: string; resent: boolean };
  /** The tracker could not be reached: the report stays queued and is sent later. */
  'report:waiting': { at: number; issueId: string; kind: 'done' | 'failed'; source: string; reason: string };
  /** The tracker refused the report for good (the issue is gone, say): it is kept as rejected, with the reason. */
  'report:rejected': { at: number; issueId: string; kind: 'done' | 'failed'; source: string; reason: string };
  /** Watching (--watch): nothing to do until the source lists more (it is listed every `everyMs`); `waiting` issues wait for blockers. */
  'intake:idle': { at: number; everyMs: number; waiting: number };
  'session:started': { at: number; sessionId: string; issueId: string; workerId: string; attempt: number };
  'session:stalled': { at: number; sessionId: string; workerId: string; lastProgressAt: number };
  'session:timeout': { at: number; sessionId: string; workerId: string; startedAt: number };
  'session:ended': {
    at: number;
    sessionId: string;
    issueId: string;
    workerId: string;
    attempt: number;
    outcome: SessionOutcome;
    durationMs: number;
    reason: string | null;
    /** The issue's status after this session. */
    issueStatus: IssueStatus;
  };
  'session:recovered': { at: number; sessionId: string; issueId: string; pid: number | null; killed: boolean };
  'run:stopping': { at: number; force: boolean };
  /** The fleet is on hold: no session starts until `until` (a usage limit's reset) or until what `fix` says is done. */
  'hold:on': { at: number; kind: string; reason: string; fix: string; until: number | null };
  'hold:off': { at: number; kind: string; by: string };
  /** The concurrency the provider allows changed (rate limits: additive increase, multiplicative decrease). */
  'concurrency:changed': { at: number; from: number; to: number; reason: string };
  /** The run stopped on a failure of its own (the store could not record a change); `reason` says which. */
  'run:failed': { at: number; reason: string };
  /**
   * The run lock was taken from another holder: one that is gone (`dead`),
   * whose pid another process has now (`reused`), whose heartbeat stopped
   * long ago (`stale`), or any holder with --force-unlock (`forced`).
   */
  /** This coordinator joined a fleet sharing one store (its id, as the fleet's table and `harness status` show it). */
  'fleet:joined': { at: number; coordinatorId: string; host: string; leaseMs: number };
  /** Another coordinator's lease ran out (or its process on this host was gone): declared dead, its open sessions requeued as lost. */
  'fleet:reaped': { at: number; coordinatorId: string; host: string; pid: number; sessions: number; why: 'lease' | 'gone' };
  /** Processes of a dead coordinator of this host's sessions, still running, were killed. */
  'fleet:cleared': { at: number; sessionId: string; issueId: string; pid: number | null };
  'lock:taken': {
    at: number;
    why: 'dead' | 'reused' | 'stale' | 'forced';
    holder: { pid: number; hostname: string; startedAt: number; heartbeatAt: number };
  };
  'merge:queued': { at: number; issueId: string; branch: string };
  /** Landed on the target; in pull request mode, `pullRequest` is the address of the pull request opened instead. */
  'merge:landed': { at: number; issueIds: string[]; target: string; detail: string; pullRequest?: string };
  /** Branches ready to land wait (the target's checkout has uncommitted changes, say); once per reason. */
  'merge:waiting': { at: number; issueIds: string[]; target: string; reason: string };
  'merge:rejected': { at: number; issueId: string; reason: string; issueStatus: IssueStatus };
  /** The merge queue could not go on: `fatal` when it stopped, else it tries again shortly. */
  'merge:error': { at: number; error: unknown; fatal: boolean };
  /** In a fleet: this coordinator took the merge lease and runs the merge loop (`leading`), or lost it and stopped merging. */
  'merge:leader': { at: number; leading: boolean; reason: string };
  /**
   * A lifecycle hook failed (its exit, a timeout, or it could not start).
   * A failed beforeRun fails its session and a failed afterCreate its
   * preparation; afterRun and beforeRemove failures change nothing else.
   */
  'hook:failed': { at: number; hook: string; workspace: string; issueId: string | null; sessionId: string | null; workerId: string | null; reason: string; logPath: string | null };
}

export type EventName = keyof HarnessEvents;
export type Listener<K extends EventName> = (payload: HarnessEvents[K]) => void;

/** A small synchronous, typed event bus. A throwing listener never breaks the emitter. */
export class EventBus {
  private listeners = new Map<EventName, Set<(payload: never) => void>>();
  private onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void = () => {}) {
    this.onListenerError = onListenerError;
  }

  on<K extends EventName>(name: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  emit<K extends EventName>(name: K, payload: HarnessEvents[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as Listener<K>)(payload);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
