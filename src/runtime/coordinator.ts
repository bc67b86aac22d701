import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { SessionExit } from '../agents/types.js';
import { DEFAULT_CONFIG } from '../config/types.js';
import { EventBus } from '../core/events.js';
import { pickWorker } from '../core/quota.js';
import { decideAfterSession } from '../core/retry.js';
import type { ScaleConfig } from '../core/scale-config.js';
import { SESSION_OUTCOMES, type IssueStatus, type SessionOutcome } from '../core/states.js';
import type { StoreFailure } from '../errors.js';
import type { IssueRow } from '../store/types.js';
import { realClock, type Clock, type TimerHandle } from './clock.js';
import {
  claimRunLock,
  describeExit,
  killReasonText,
  resolveScaleConfig,
  sessionLogPath,
  stripUndefined,
  summarizeRun,
  type ActiveSession,
  type KillReason,
} from './coordinator-parts.js';
import type { CoordinatorOptions, HarnessState, ProcessInspector, RunSettings, RunSummary } from './coordinator-types.js';
import { systemProcesses } from './processes.js';
import { recordEvents } from './recorder.js';
import { recoverOpenSessions } from './recovery.js';
import { ScaleManager } from './scale-manager.js';
import { StoreGuard } from './store-guard.js';
import { WorkerPool } from './worker-pool.js';

/**
 * Runs the backlog: admits issues (throttled by backpressure), gives each
 * idle worker the most urgent queued issue, starts its session without
 * waiting for others, and applies each outcome (done, retry with backoff,
 * failed). The ScaleManager sizes the pool and reports stalls; this class
 * reacts to its events. Everything happens in response to events on the
 * injected clock or from the runner, one at a time, so the same code runs
 * real agents and the load test's virtual ones.
 */
export class Coordinator {
  readonly scaleConfig: ScaleConfig;
  readonly settings: RunSettings;
  readonly events: EventBus;
  readonly pool: WorkerPool;
  readonly scaleManager: ScaleManager;
  private readonly clock: Clock;
  private readonly sessions = new Map<string, ActiveSession>();
  private readonly outcomes = Object.fromEntries(SESSION_OUTCOMES.map((o) => [o, 0])) as Record<SessionOutcome, number>;
  private readonly processes: ProcessInspector;
  private readonly newSessionId: () => string;
  private readonly owner: { pid: number; hostname: string };
  private initialized = false;
  private started = false;
  private stopping = false;
  private forced = false;
  private finished = false;
  private dispatching = false;
  private dispatchAgain = false;
  private intakeHolds = 0;
  /** Every store change goes through it: once the store has failed, nothing more is written (see stopForFailure). */
  private readonly guard = new StoreGuard((failure) => this.stopForFailure(failure));
  private retryWake: { at: number; timer: TimerHandle } | null = null;
  private lockHeartbeat: TimerHandle | null = null;
  private unsubscribe: (() => void)[] = [];
  /** Resolves with the summary, or null when the store failed (run() then throws the failure). */
  private resolveRun: ((summary: RunSummary | null) => void) | null = null;
  private readonly done: Promise<RunSummary | null>;

  constructor(
    readonly state: HarnessState,
    readonly options: CoordinatorOptions,
  ) {
    this.clock = options.clock ?? realClock;
    this.events = options.events ?? new EventBus();
    this.processes = options.processes ?? systemProcesses;
    this.newSessionId = options.newSessionId ?? randomUUID;
    this.owner = options.owner ?? { pid: process.pid, hostname: hostname() };
    this.scaleConfig = resolveScaleConfig(options);
    this.settings = {
      maxAttempts: DEFAULT_CONFIG.maxAttempts,
      sessionTimeoutMs: DEFAULT_CONFIG.sessionTimeoutMs,
      retryDelayMs: DEFAULT_CONFIG.retryDelayMs,
      logDir: null,
      progressPersistMs: 5000,
      ...stripUndefined(state.settings ?? {}),
    };
    const maxWorkerNumber = Math.max(0, ...state.store.listWorkers().map((w) => Number(w.id.replace(/^worker-/, '')) || 0));
    this.pool = new WorkerPool(options.cwd, { clock: this.clock, events: this.events, firstIdAfter: maxWorkerNumber });
    this.scaleManager = new ScaleManager(this.pool, options.cwd, state.merge ?? null, this.scaleConfig, {
      clock: this.clock,
      events: this.events,
      ...(options.policy ? { policy: options.policy } : {}),
    });
    this.done = new Promise((resolve) => (this.resolveRun = resolve));
  }

  /**
   * Claim the store, recover sessions a dead harness left open, import the
   * backlog and start the scale manager.
   */
  async initialize(): Promise<void> {
    if (this.initialized) return;
    const { store } = this.state;
    const now = this.clock.now();
    if (this.options.lock !== false) {
      const { taken } = claimRunLock(store, { ...this.owner, now }, this.processes, this.options.forceUnlock === true);
      if (taken) this.events.emit('lock:taken', { at: now, why: taken.why, holder: taken.holder });
      this.lockHeartbeat = this.clock.setInterval(() => this.guard.record(() => store.heartbeatRunLock(this.owner.pid, this.clock.now())), 10_000);
    }
    recoverOpenSessions(store, this.processes, this.events, now);
    store.importIssues(this.state.issues, now);
    this.unsubscribe.push(
      store.onFailure?.((failure) => this.guard.fail(failure)) ?? (() => {}),
      recordEvents(this.events, store),
      // A deleted or replaced state file is noticed within a health interval (and at the end).
      this.events.on('health:checked', () => this.guard.record(() => store.checkFile?.())),
      this.events.on('session:stalled', (e) => this.stopSession(e.sessionId, 'stalled')),
      this.events.on('pool:added', () => this.dispatch()),
      this.events.on('merge:landed', () => this.dispatch()),
      this.events.on('merge:rejected', () => this.dispatch()),
    );
    this.state.merge?.start();
    this.initialized = true;
    this.admit();
    // A store that failed just now has finished the run: nothing is left to scale.
    if (!this.finished) await this.scaleManager.start();
  }

  /** Work until every admitted issue is done or failed (or the run is stopped). */
  async run(): Promise<RunSummary> {
    if (!this.initialized) await this.initialize();
    this.started = true;
    // Sessions keep the process alive while they run; this covers the gaps
    // (every issue waiting out a retry backoff, a merge in progress).
    const release = this.clock.keepAlive();
    this.dispatch();
    const summary = await this.done.finally(release);
    if (summary === null) throw this.guard.failure;
    return summary;
  }

  /** Add issues while running (the load test's arrivals). Known ids are left as they are. */
  submit(issues: Parameters<HarnessState['store']['importIssues']>[0]): void {
    this.guard.record(() => this.state.store.importIssues(issues, this.clock.now()));
    this.dispatch();
  }

  /**
   * Handle runner events that arrived together (`events` reports them) with
   * their store changes committed as one transaction. For a runner's
   * `deliver` option. If the store fails, even before the events were
   * reported, they are still reported and the run stops, never throws.
   */
  batch(events: () => void): void {
    let reported = false;
    this.guard.record(() =>
      this.state.store.batch(() => {
        reported = true;
        events();
      }),
    );
    if (!reported) events();
  }

  /** Keep run() from finishing while more issues may arrive; call the returned function when they have. */
  holdIntake(): () => void {
    this.intakeHolds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.intakeHolds--;
      this.dispatch();
    };
  }

  /** Stop starting sessions; running ones finish. A second call (or force) cancels them. */
  stop(force = false): void {
    if (this.stopping && !force && !this.forced) force = true;
    this.stopping = true;
    this.events.emit('run:stopping', { at: this.clock.now(), force });
    if (force && !this.forced) {
      this.forced = true;
      for (const session of this.sessions.values()) this.stopSession(session.id, 'cancelled');
    }
    this.dispatch();
  }

  get runningSessions(): number {
    return this.sessions.size;
  }

  // --- dispatching ---------------------------------------------------------

  private dispatch(): void {
    if (!this.started || this.finished) return;
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.dispatchAgain = false;
        this.admit();
        if (!this.stopping && this.fillIdleWorkers() > 0) this.dispatchAgain = true;
      } while (this.dispatchAgain);
      this.scheduleRetryWake();
      this.finishIfDone();
    } finally {
      this.dispatching = false;
    }
  }

  /** Run `fn` with dispatching held; any dispatch it triggers happens at the next dispatch() call. */
  private withoutDispatch(fn: () => void): void {
    if (this.dispatching) return fn();
    this.dispatching = true;
    try {
      fn();
    } finally {
      this.dispatching = false;
    }
  }

  /** Move backlog issues into the queue while backpressure allows. */
  private admit(): void {
    const { store } = this.state;
    const counts = store.countIssues();
    let queued = counts.queued;
    this.scaleManager.setQueueDepth(queued);
    if (counts.backlog === 0 || this.stopping || this.scaleManager.shouldApplyBackpressure()) return;
    const room = Math.max(0, this.scaleConfig.maxQueueDepth + 1 - queued);
    if (room === 0) return;
    const admitted = this.guard.record(() => store.admit(room, this.clock.now())) ?? [];
    if (admitted.length === 0) return;
    queued += admitted.length;
    this.scaleManager.setQueueDepth(queued);
    this.events.emit('issue:admitted', { at: this.clock.now(), count: admitted.length, queueDepth: queued });
  }

  private fillIdleWorkers(): number {
    let started = 0;
    while (!this.guard.failure) {
      const worker = pickWorker(this.pool.idle(), this.scaleConfig);
      if (!worker) break;
      const issue = this.state.store.nextQueued(this.clock.now());
      if (!issue) break;
      this.startSession(worker.id, issue);
      started++;
    }
    return started;
  }

  /**
   * Queued issues waiting out a retry backoff: wake up when the first becomes
   * due. One that is already due gets a wake-up too: time moves on while a
   * dispatch runs, and a real timer may fire a little before the wall clock
   * reaches its time, so "not ready" a moment ago can be "due" now, and
   * without a timer nothing would ever dispatch it.
   */
  private scheduleRetryWake(): void {
    if (this.stopping || !pickWorker(this.pool.idle(), this.scaleConfig)) return;
    const at = this.state.store.nextRetryAt();
    if (at === null) return;
    if (this.retryWake && this.retryWake.at <= at) return;
    this.retryWake?.timer.cancel();
    this.retryWake = {
      at,
      timer: this.clock.setTimeout(() => {
        this.retryWake = null;
        this.dispatch();
      }, Math.max(1, at - this.clock.now())),
    };
  }

  // --- sessions ------------------------------------------------------------

  private startSession(workerId: string, queued: IssueRow): void {
    const { store, runner, workspaces } = this.state;
    const now = this.clock.now();
    const sessionId = this.newSessionId();
    // Numbered after the attempts spent before a retry, so an issue's attempt numbers keep growing.
    const attempt = queued.priorAttempts + queued.attempts + 1;
    const logPath = this.settings.logDir ? sessionLogPath(this.settings.logDir, queued.id, attempt, sessionId) : null;
    let cwd = this.options.cwd;
    let branch: string | null = null;
    let workspaceError: string | null = null;
    if (workspaces) {
      try {
        const ws = workspaces.prepare(queued.id);
        cwd = ws.path;
        branch = ws.branch;
      } catch (error) {
        workspaceError = `could not prepare the worktree: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    if (!this.guard.record(() => store.startSession({ sessionId, issueId: queued.id, workerId, now, logPath }))) return;
    const issue: IssueRow = { ...queued, status: 'running', attempts: queued.attempts + 1, notBefore: null };
    const session: ActiveSession = {
      id: sessionId,
      issue,
      workerId,
      attempt,
      startedAt: now,
      persistedProgressAt: now,
      branch,
      handle: null,
      killReason: null,
      timeout: null,
      ended: false,
    };
    this.sessions.set(sessionId, session);
    this.scaleManager.onSessionStart(workerId, sessionId, now);
    this.events.emit('session:started', { at: now, sessionId, issueId: issue.id, workerId, attempt });
    if (workspaceError) {
      this.endSession(session, { exitCode: null, signal: null, error: workspaceError });
      return;
    }
    session.timeout = this.clock.setTimeout(() => this.stopSession(sessionId, 'timeout'), this.settings.sessionTimeoutMs);
    session.handle = runner.start(
      { sessionId, workerId, attempt, issue, cwd, logPath },
      {
        onSpawn: (pid, pgid) => {
          if (!session.ended) this.guard.record(() => store.setSessionProcess(sessionId, pid, pgid));
        },
        onProgress: (at) => this.onProgress(session, at),
        onExit: (exit) => this.endSession(session, exit),
      },
    );
  }

  private onProgress(session: ActiveSession, at: number): void {
    if (session.ended) return;
    this.scaleManager.onSessionProgress(session.id, at);
    if (at - session.persistedProgressAt >= this.settings.progressPersistMs) {
      session.persistedProgressAt = at;
      this.guard.record(() => this.state.store.touchSession(session.id, at));
    }
  }

  private stopSession(sessionId: string, reason: KillReason): void {
    const session = this.sessions.get(sessionId);
    if (!session || session.ended) return;
    if (session.killReason === null || reason === 'cancelled') session.killReason = reason;
    if (reason === 'timeout') {
      this.events.emit('session:timeout', { at: this.clock.now(), sessionId, workerId: session.workerId, startedAt: session.startedAt });
    }
    session.handle?.kill();
  }

  private endSession(session: ActiveSession, exit: SessionExit): void {
    if (session.ended) return;
    session.ended = true;
    session.timeout?.cancel();
    const now = this.clock.now();
    const outcome: SessionOutcome = session.killReason ?? (exit.exitCode === 0 && !exit.error ? 'success' : 'failure');
    const reason = session.killReason
      ? killReasonText(session.killReason, { workerStallTimeoutMs: this.scaleConfig.workerStallTimeoutMs, sessionTimeoutMs: this.settings.sessionTimeoutMs })
      : describeExit(exit);
    const next = decideAfterSession({
      outcome,
      // The budget counts attempts since the issue was last retried.
      attempts: session.issue.attempts,
      maxAttempts: this.settings.maxAttempts,
      retryDelayMs: this.settings.retryDelayMs,
      now,
      reason,
    });
    let issueStatus: IssueStatus = next.status;
    let lastError = outcome === 'success' ? null : next.lastError;
    const merge = this.state.merge;
    if (outcome === 'success' && merge && session.branch) {
      const handoff = merge.submit(session.issue, session.branch, now);
      issueStatus = handoff.status;
      if (handoff.status === 'failed') lastError = handoff.reason;
    }
    this.guard.record(() =>
      this.state.store.finishSession(
        session.id,
        { outcome, endedAt: now, exitCode: exit.exitCode, signal: exit.signal, reason },
        {
          status: issueStatus,
          notBefore: next.notBefore,
          refundAttempt: next.refundAttempt,
          lastError,
          ...(session.branch && outcome === 'success' ? { branch: session.branch } : {}),
        },
      ),
    );
    this.sessions.delete(session.id);
    this.outcomes[outcome]++;
    // A recycled worker's replacement must not start a session before this
    // one's end is announced: dispatch waits until after the event.
    this.withoutDispatch(() => this.scaleManager.onSessionEnd(session.workerId, session.id, outcome, now - session.startedAt, now));
    // After a store failure nothing was recorded: the next run finds the session open and redoes it.
    if (!this.guard.failure) this.events.emit('session:ended', {
      at: now,
      sessionId: session.id,
      issueId: session.issue.id,
      workerId: session.workerId,
      attempt: session.attempt,
      outcome,
      durationMs: now - session.startedAt,
      reason,
      issueStatus,
    });
    this.dispatch();
  }

  // --- the end -----------------------------------------------------------

  private finishIfDone(): void {
    if (this.finished || this.sessions.size > 0) return;
    // A failed store is not read again: it may not answer.
    if (!this.guard.failure) {
      const counts = this.state.store.countIssues();
      const workLeft = counts.backlog + counts.queued + counts.running + counts.merging > 0 || this.intakeHolds > 0;
      if (!this.stopping && workLeft) return;
      // A run that ends must not report work that no longer exists: a state file deleted since the last check fails it.
      this.guard.record(() => this.state.store.checkFile?.());
      // A failed check has finished the run already.
      if (this.finished) return;
    }
    this.finished = true;
    void this.scaleManager.stop();
    this.retryWake?.timer.cancel();
    this.lockHeartbeat?.cancel();
    // A merge in progress is finished before the run reports (and the store closes).
    const mergeIdle = this.state.merge?.stop() ?? Promise.resolve();
    void mergeIdle.then(() => {
      this.unsubscribe.forEach((off) => off());
      // After a store failure the lock stays: the next run sees its holder gone and takes it.
      if (this.options.lock !== false) this.guard.record(() => this.state.store.releaseRunLock(this.owner.pid));
      this.resolveRun?.(this.guard.failure ? null : summarizeRun(this.state.store, this.outcomes, this.scaleManager.getMetrics()));
    });
  }

  // --- store failure ---------------------------------------------------------

  /**
   * The store can no longer record the run: start nothing more and stop
   * every running session (SIGTERM, then SIGKILL after the grace), so no
   * agent outlives the run; run() then rejects with the failure. What was
   * recorded stays, and the next run recovers the open sessions.
   */
  private stopForFailure(_failure: StoreFailure): void {
    this.stopping = true;
    this.forced = true;
    this.retryWake?.timer.cancel();
    this.retryWake = null;
    for (const session of this.sessions.values()) {
      if (session.ended) continue;
      session.killReason ??= 'cancelled';
      session.handle?.kill();
    }
    // Finishes now if nothing runs; otherwise when the last session has exited.
    if (!this.dispatching) this.finishIfDone();
  }

}
