import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { EventBus } from '../core/events.js';
import { NO_HOST_LIMITS } from '../core/host.js';
import { totalSpend } from '../core/run/agent.js';
import { activeHolds } from '../core/run/holds.js';
import { DEFAULT_HOLD_RULES, defaultRules, NO_BUDGETS } from '../core/run/rules.js';
import { initialState } from '../core/run/state.js';
import type { ScaleConfig } from '../core/scale-config.js';
import { DEFAULT_RUN_SETTINGS } from '../core/scale-config.js';
import { InputError } from '../errors.js';
import { renderMetricsTable } from '../metrics/render.js';
import { unstorableText } from '../sources/issues-file.js';
import type { IssueInput } from '../store/types.js';
import { realClock, type Clock, type TimerHandle } from './clock.js';
import { stripUndefined } from '../core/objects.js';
import { claimRunLock, resolveScaleConfig, sessionLogPath, summarizeRun } from './coordinator-parts.js';
import { ControlDesk } from './controls.js';
import type { CoordinatorOptions, FleetStatus, HarnessState, ProcessInspector, RunSettings, RunSummary } from './coordinator-types.js';
import { Engine } from './engine.js';
import { isPromise } from './engine-ports.js';
import { andThen, eachInTurn } from './answers.js';
import { systemHost } from './host.js';
import { systemProcesses } from './processes.js';
import { recoverOpenSessions } from './recovery.js';
import { ScaleManager } from './scale-manager.js';
import { WorkerPool } from './worker-pool.js';

/** The seed's Coordinator displays the metrics after every this many finished sessions. */
export const METRICS_DISPLAY_EVERY = 5;

/** How often a run that holds its store's lock takes operators' requests besides each health check (ms). */
export const DEFAULT_CONTROL_POLL_MS = 1000;

/**
 * The seed's Coordinator: runs the backlog. It admits issues (throttled by
 * backpressure), gives each idle worker the most urgent queued issue, starts
 * its session without waiting for others, and applies each outcome (done,
 * retry with backoff, failed). Every decision is the run's reducer's
 * (src/core/run/step.ts); the Engine carries them out on the injected
 * clock, store and runner, so the same code runs real agents and the load
 * test's virtual ones. `pool` and `scaleManager` are views of the same state.
 */
export class Coordinator {
  readonly scaleConfig: ScaleConfig;
  readonly settings: RunSettings;
  readonly events: EventBus;
  readonly pool: WorkerPool;
  readonly scaleManager: ScaleManager;
  readonly engine: Engine;
  private readonly clock: Clock;
  private readonly processes: ProcessInspector;
  private readonly owner: { pid: number; hostname: string };
  private initialized = false;
  private lockHeartbeat: TimerHandle | null = null;
  private controls: ControlDesk | null = null;
  private unsubscribe: (() => void)[] = [];
  /** Resolves with the summary, or null when the store failed (run() then throws the failure). */
  private resolveRun: ((summary: RunSummary | null) => void) | null = null;
  private readonly done: Promise<RunSummary | null>;
  private lastWorker: Promise<number> | null = null;

  constructor(
    readonly state: HarnessState,
    readonly options: CoordinatorOptions,
  ) {
    this.clock = options.clock ?? realClock;
    this.events = options.events ?? new EventBus();
    this.processes = options.processes ?? systemProcesses;
    this.owner = options.owner ?? { pid: process.pid, hostname: hostname() };
    this.scaleConfig = resolveScaleConfig(options);
    this.settings = {
      ...DEFAULT_RUN_SETTINGS,
      logDir: null,
      agentFormat: null,
      resume: false,
      holds: { ...DEFAULT_HOLD_RULES },
      budgets: { ...NO_BUDGETS },
      adaptiveConcurrency: true,
      host: { ...NO_HOST_LIMITS },
      ...stripUndefined(state.settings ?? {}),
    };
    const { store } = state;
    // A store across the network answers later: initialize() numbers the workers after it.
    const lastWorker = store.lastWorkerNumber();
    if (isPromise(lastWorker)) this.lastWorker = lastWorker;
    const maxWorkerNumber = isPromise(lastWorker) ? 0 : lastWorker;
    const rules = defaultRules({
      scale: this.scaleConfig,
      maxAttempts: this.settings.maxAttempts,
      sessionTimeoutMs: this.settings.sessionTimeoutMs,
      retryDelayMs: this.settings.retryDelayMs,
      progressPersistMs: this.settings.progressPersistMs,
      agentFormat: this.settings.agentFormat,
      resume: this.settings.resume,
      holds: this.settings.holds,
      budgets: this.settings.budgets,
      adaptiveConcurrency: this.settings.adaptiveConcurrency,
      host: this.settings.host,
      ...(options.policy ? { policy: options.policy } : {}),
      dispatches: true,
      merges: Boolean(state.merge),
      workspaces: Boolean(state.workspaces),
      displayEvery: (options.displayMetrics ?? options.enableScaleManager === true) ? METRICS_DISPLAY_EVERY : 0,
    });
    const output = options.metricsOutput ?? process.stdout;
    const write = (text: string) => void output.write(text);
    const logDir = this.settings.logDir;
    const merge = state.merge ?? null;
    this.engine = new Engine(initialState(rules, { firstWorkerNumber: maxWorkerNumber + 1 }), {
      clock: this.clock,
      events: this.events,
      store,
      runner: state.runner,
      workspaces: state.workspaces ?? null,
      hooks: state.hooks ?? null,
      merge,
      cwd: options.cwd,
      newSessionId: options.newSessionId ?? randomUUID,
      logPath: (issueId, attempt, sessionId) => (logDir ? sessionLogPath(logDir, issueId, attempt, sessionId) : null),
      ...(merge ? { mergeDepth: () => merge.depth() } : {}),
      display: (metrics) => write(renderMetricsTable(metrics) + '\n'),
      onFinish: () => this.finish(),
      host: options.host === undefined ? systemHost : options.host,
    });
    this.pool = new WorkerPool(options.cwd, { engine: this.engine });
    this.scaleManager = new ScaleManager(this.pool, options.cwd, merge, this.scaleConfig, { write });
    this.done = new Promise((resolve) => (this.resolveRun = resolve));
  }

  /** Claim the store, recover sessions a dead harness left open, import the backlog and start the scale manager. */
  async initialize(): Promise<void> {
    if (this.initialized) return;
    checkIssueText(this.state.issues);
    const { store } = this.state;
    const now = this.clock.now();
    const shared = this.options.shared === true;
    // Each step waits only for a store that answers with a promise: on SQLite and in memory this runs through at once,
    // so a virtual-time run has its first timers set before its clock moves.
    if (this.lastWorker) {
      const last = await this.lastWorker;
      const pool = this.engine.state.pool;
      pool.nextNumber = Math.max(pool.nextNumber, last + 1);
    }
    if (this.options.lock !== false && !shared) {
      const claim = claimRunLock(store, { ...this.owner, now }, this.processes, this.options.forceUnlock === true);
      const { taken } = isPromise(claim) ? await claim : claim;
      if (taken) this.events.emit('lock:taken', { at: now, why: taken.why, holder: taken.holder });
      this.lockHeartbeat = this.clock.setInterval(() => this.engine.guard('renew the run lock', () => store.heartbeatRunLock(this.owner.pid, this.clock.now())), 10_000);
    }
    if (!shared) {
      const recovered = recoverOpenSessions(store, this.processes, this.events, now);
      if (isPromise(recovered)) await recovered;
    }
    // Before merges resume: a dead harness's worker worktrees may still hold branches the merge queue deletes.
    const recovering = this.state.workspaces?.recover?.();
    if (recovering) await recovering;
    // Holds an earlier run ended with describe that run: this one finds out for itself (a cap still reached holds it again at once).
    // A fleet's holds are its coordinators' own: each ends those it has.
    if (!shared) {
      const ended = andThen(store.listHolds(true), (holds) => eachInTurn(holds, (hold) => store.endHold(hold.kind, now, 'a new run started')));
      if (isPromise(ended)) await ended;
    }
    const imported = store.importIssues(this.state.issues, now);
    if (isPromise(imported)) await imported;
    const moved = () => this.engine.feed({ type: 'merge-moved' });
    this.unsubscribe.push(
      // A failure the store reports from elsewhere (the merge queue's writes, a batch's commit) stops the run too.
      store.onFailure?.((failure) => this.engine.fail('write the state store', failure)) ?? (() => {}),
      this.events.on('merge:landed', moved),
      this.events.on('merge:rejected', moved),
    );
    const workspaces = this.state.workspaces;
    if (workspaces?.retire) this.unsubscribe.push(this.events.on('pool:retired', (e) => workspaces.retire?.(e.workerId)));
    this.state.merge?.start();
    // Operators' requests (the dashboard's actions) come through the store: taken at each health check, and every controlPollMs.
    this.controls = new ControlDesk({
      store,
      engine: this.engine,
      clock: this.clock,
      events: this.events,
      pollMs: this.options.controlPollMs ?? (this.options.lock !== false ? DEFAULT_CONTROL_POLL_MS : 0),
      runStartedAt: now,
    });
    this.controls.start();
    this.initialized = true;
    const view = store.queueView(now);
    this.engine.feed({ type: 'initialized', view: isPromise(view) ? await view : view });
    // A store that answers later has the first admission still on its way: the first health check sizes the pool
    // from the queue it makes, as it does on a store that answers at once (and the next check may be a while away).
    if (isPromise(view) && this.engine.state.admitting) {
      // The clock's timers do not hold the process open by themselves.
      const release = this.clock.keepAlive();
      try {
        for (let waited = 0; this.engine.state.admitting && waited < 10_000; waited += 10) await new Promise<void>((resolve) => this.clock.setTimeout(() => resolve(), 10));
      } finally {
        release();
      }
    }
    await this.scaleManager.start();
  }

  /**
   * Read the queue again and dispatch from what it says: a fleet's
   * coordinator asks this often, since others change the queue too (their
   * imports, their sessions ending, a dead coordinator's sessions requeued).
   */
  refreshQueue(): void {
    // One read at a time: asking again while the last answer is on its way would only queue reads behind a slow store.
    if (this.engine.state.phase === 'finished' || this.refreshing) return;
    this.engine.guard('read the queue', () => {
      const view = this.state.store.queueView(this.clock.now());
      if (!isPromise(view)) return this.engine.feed({ type: 'queue', view });
      this.refreshing = true;
      return view
        .then((v) => {
          if (this.engine.state.phase !== 'finished') this.engine.feed({ type: 'queue', view: v });
        })
        .finally(() => (this.refreshing = false));
    });
  }

  private refreshing = false;

  /** Work until every admitted issue is done or failed (or the run is stopped). */
  async run(): Promise<RunSummary> {
    if (!this.initialized) await this.initialize();
    // Sessions keep the process alive while they run; this covers the gaps
    // (every issue waiting out a retry backoff, a merge in progress).
    const release = this.clock.keepAlive();
    this.engine.feed({ type: 'run' });
    const summary = await this.done.finally(release);
    // The store failed: what was recorded stays, the next run recovers the rest.
    if (summary === null) throw this.engine.failure;
    return summary;
  }

  /**
   * Handle runner events that arrived together (`events` reports them) with
   * their store changes committed as one transaction: a runner's `deliver`.
   * If the store fails, even before the events were reported, they are
   * still reported and the run stops; this never throws.
   */
  batch(events: () => void): void {
    let reported = false;
    this.engine.guard('commit a group of changes', () =>
      this.state.store.batch(() => {
        reported = true;
        events();
      }),
    );
    if (!reported) events();
  }

  /** Add issues while running (the load test's arrivals). Known ids are left as they are. */
  submit(issues: readonly IssueInput[]): void {
    checkIssueText(issues);
    this.engine.feed({ type: 'issues', issues });
  }

  /** Keep run() from finishing while more issues may arrive; call the returned function when they have. */
  holdIntake(): () => void {
    this.engine.feed({ type: 'hold-intake' });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.engine.feed({ type: 'release-intake' });
    };
  }

  /** The issues' tracker does not answer: intake holds, visibly, with `fix` saying what ends it; sessions already started go on. */
  trackerDown(reason: string, fix: string): void {
    this.engine.feed({ type: 'tracker-down', reason, fix });
  }

  /** The tracker answers again: lift its hold. */
  trackerUp(): void {
    this.engine.feed({ type: 'tracker-up' });
  }

  /** Stop starting sessions; running ones finish. A second call (or force) cancels them. */
  stop(force = false): void {
    this.engine.feed({ type: 'stop', force });
  }

  /** End a run that has not begun (its backlog was refused): released like any other, with no interrupt announced. */
  abandon(): void {
    this.engine.feed({ type: 'stop', force: false, quiet: true });
  }

  get runningSessions(): number {
    return this.engine.state.sessions.size;
  }

  /** The fleet as the live view shows it: holds on now, what the state has spent (running sessions included), and the concurrency rate limits allow. */
  fleetStatus(): FleetStatus {
    const s = this.engine.state;
    return { holds: activeHolds(s), spent: totalSpend(s), concurrency: { limit: s.concurrency.limit, max: s.rules.scale.maxWorkers } };
  }

  /** The reducer finished the run: finish the merge in progress, release the store, resolve run(). */
  private finish(): void {
    this.lockHeartbeat?.cancel();
    this.controls?.stop();
    const mergeIdle = this.state.merge?.stop() ?? Promise.resolve();
    // The workspaces go once nothing merges from them any more; then the store's last answers are waited for,
    // so a write it refuses now (a fleet's coordinator presumed dead) still fails the run.
    const closed = mergeIdle
      .then(() => this.state.workspaces?.close?.())
      .catch(() => undefined)
      .then(() => this.engine.settled());
    void closed.then(() => {
      this.unsubscribe.forEach((off) => off());
      const failed = this.engine.failure !== null;
      // After a store failure the lock stays: the next run sees its holder gone and takes it.
      if (this.options.lock !== false && this.options.shared !== true && !failed) this.engine.guard('release the run lock', () => this.state.store.releaseRunLock(this.owner.pid));
      const s = this.engine.state;
      if (this.engine.failure !== null) return this.resolveRun?.(null);
      const summary = summarizeRun(this.state.store, s.outcomes, this.engine.metrics(), activeHolds(s), totalSpend(s));
      if (!isPromise(summary)) return this.resolveRun?.(summary);
      summary.then(
        (ready) => this.resolveRun?.(ready),
        (error: unknown) => {
          // The store stopped answering as the run ended: the run fails with that, as any store failure does.
          this.engine.failure = error;
          this.resolveRun?.(null);
        },
      );
    });
  }
}

/** Issues handed over by a library caller get the issues file's check: text the store would change is refused. */
function checkIssueText(issues: readonly IssueInput[]): void {
  for (const issue of issues) {
    const problem = unstorableText(issue);
    if (problem) throw new InputError(`issue ${JSON.stringify(issue.id)}: ${problem}`);
  }
}
