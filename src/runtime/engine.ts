/**
 * The interpreter of the run's reducer: it holds the one RunState, feeds it
 * events one at a time, and carries out the commands that come back on the
 * injected clock, the store, the runner, the workspaces, the merge queue and
 * the event bus. Answers are fed back as events, after the commands of the
 * step that asked; a port may answer at once or with a promise (a database
 * across the network), and the reducer cannot tell the difference. This is
 * the only place on the run's event path that touches a process, a
 * database or a clock.
 */
import type { SessionCallbacks, SessionExit, SessionHandle, SessionRunner, SessionSpec } from '../agents/types.js';
import { EventBus } from '../core/events.js';
import { liveMetrics, wantsHostSample } from '../core/run/check.js';
import type { Command, RunEvent, TimerKey } from '../core/run/protocol.js';
import type { RunRules, RunState } from '../core/run/state.js';
import { emptyTally } from '../core/tally.js';
import { stepInto } from '../core/run/step.js';
import type { ScaleMetrics } from '../core/metrics-types.js';
import type { RunStore } from '../store/ports.js';
import { snapshotOf } from '../store/types.js';
import { answerTo, callStore, operationOf, type StoreCommand } from './store-writes.js';
import type { Clock, TimerHandle } from './clock.js';
import { defaultSessionId, handOffBranch, isPromise, prepareWorkspace, sampleHost, type EnginePorts } from './engine-ports.js';
import { startSession, type CourseParts } from './session-course.js';

export type { EnginePorts } from './engine-ports.js';

export class Engine {
  private readonly inbox: RunEvent[] = [];
  private head = 0;
  private working = false;
  private readonly timers = new Map<TimerKey, TimerHandle>();
  private readonly handles = new Map<string, SessionHandle>();
  private readonly commands: Command[] = [];
  /** The first store failure: from then on nothing is written, and the run ends with it. */
  failure: unknown = null;

  constructor(
    public state: RunState,
    public ports: EnginePorts,
  ) {}

  /**
   * Before the run starts: new rules (the tallies follow their health
   * window), or other ports. The pool and everything else stay.
   */
  configure(change: { rules?: RunRules } & Partial<EnginePorts>): void {
    const { rules, ...ports } = change;
    if (rules) this.state = { ...this.state, rules, tally: emptyTally(rules.scale) };
    this.ports = { ...this.ports, ...ports };
  }

  get events(): EventBus {
    return this.ports.events;
  }

  /** The seed's metric set of this run, now. */
  metrics(now = this.ports.clock.now()): ScaleMetrics {
    return liveMetrics(this.state, now, this.ports.mergeDepth?.());
  }

  /** Handle `event` and everything it leads to. Re-entrant calls queue behind the current one. */
  feed(event: RunEvent): void {
    if (this.working) {
      this.inbox.push(event);
      return;
    }
    this.working = true;
    try {
      let next: RunEvent | undefined = event;
      while (next) {
        this.handle(next);
        next = this.head < this.inbox.length ? this.inbox[this.head++] : undefined;
      }
    } finally {
      if (this.inbox.length !== 0) this.inbox.length = 0;
      this.head = 0;
      this.working = false;
    }
  }

  /** One step: the commands go into one array, reused, and are carried out in order. */
  private handle(event: RunEvent): void {
    const commands = this.commands;
    if (commands.length !== 0) commands.length = 0;
    const now = this.ports.clock.now();
    const host = this.ports.host;
    // The machine is read here, never in the reducer: the check that follows decides with this sample.
    if (host && wantsHostSample(this.state, event)) stepInto(this.state, { type: 'host', sample: sampleHost(host) }, now, commands);
    stepInto(this.state, event, now, commands);
    // Commands may feed answers (queued in the inbox), never start another step, so the array is ours until the loop ends.
    for (let i = 0; i < commands.length; i++) this.execute(commands[i] as Command);
  }

  private execute(c: Command): void {
    const { clock, events } = this.ports;
    switch (c.type) {
      case 'emit':
        return events.emit(c.name, c.payload as never);
      case 'set-timer': {
        this.timers.get(c.key)?.cancel();
        const timer = clock.setTimeout(() => {
          if (this.timers.get(c.key) === timer) this.timers.delete(c.key);
          this.feed({ type: 'timer', key: c.key });
        }, Math.max(0, c.at - clock.now()));
        this.timers.set(c.key, timer);
        return;
      }
      case 'cancel-timer':
        this.timers.get(c.key)?.cancel();
        this.timers.delete(c.key);
        return;
      case 'admit':
      case 'claim':
      case 'write':
        return this.storeCommand(c);
      case 'prepare':
        return prepareWorkspace(this.ports.workspaces, { issueId: c.issueId, sessionId: c.sessionId, workerId: c.workerId, attempt: c.attempt }, this.answer);
      case 'spawn':
        return this.spawn(c);
      case 'kill':
        return this.handles.get(c.sessionId)?.kill();
      case 'hand-off':
        return handOffBranch(this.ports.merge, c, this.answer);
      case 'enqueue-merge': {
        const merge = this.ports.merge;
        if (merge) this.guard('queue a merge', () => merge.enqueue(c.issue, c.branch, c.head, c.now));
        return;
      }
      case 'snapshot': {
        const metrics = this.metrics(c.at);
        events.emit('health:checked', { at: c.at, metrics });
        const store = this.ports.store;
        if (store) {
          this.guard('record a metrics snapshot', () => store.recordSnapshot(snapshotOf(metrics)));
          // A deleted or replaced state file is noticed within a health interval.
          this.guard('check the state file', () => store.checkFile?.());
        }
        return;
      }
      case 'display':
        return this.ports.display?.(this.metrics());
      case 'then':
        this.inbox.push(c.event);
        return;
      case 'finish': {
        for (const timer of this.timers.values()) timer.cancel();
        this.timers.clear();
        // A run that ends must not report work that no longer exists: a state file deleted since the last check fails it.
        const store = this.ports.store;
        if (store) this.guard('check the state file', () => store.checkFile?.());
        return this.ports.onFinish?.();
      }
    }
  }

  private store(): RunStore {
    const store = this.ports.store;
    if (!store) throw new Error('this run has no store: it cannot dispatch issues');
    return store;
  }

  /** Ask the store, and feed its answer: after this step's other commands, or when its promise settles. */
  private storeCommand(c: StoreCommand): void {
    if (this.failure !== null) return;
    const store = this.ports.store;
    if (!store && c.type === 'write') return;
    const sessionId = c.type === 'claim' ? (this.ports.newSessionId ?? defaultSessionId)() : '';
    let result: unknown;
    try {
      result = callStore(store ?? this.store(), c, sessionId, this.logPath);
    } catch (error) {
      return this.fail(operationOf(c), error);
    }
    if (isPromise(result)) {
      this.track(
        result.then(
          (value) => {
            const answer = answerTo(c, value, sessionId);
            if (answer) this.feed(answer);
          },
          (error: unknown) => this.fail(operationOf(c), error),
        ),
      );
      return;
    }
    const answer = answerTo(c, result, sessionId);
    if (answer) this.inbox.push(answer);
  }

  private readonly logPath = (issueId: string, attempt: number, sessionId: string): string | null => this.ports.logPath?.(issueId, attempt, sessionId) ?? null;

  /**
   * A store call nothing waits for, outside the reducer too (a snapshot, the
   * lock's heartbeat, a batch's commit): a failure stops the run, never
   * throws; once the store has failed, nothing more is asked of it.
   */
  guard(operation: string, call: () => unknown): void {
    if (this.failure !== null) return;
    let result: unknown;
    try {
      result = call();
    } catch (error) {
      return this.fail(operation, error);
    }
    if (isPromise(result)) this.track(result.then(undefined, (error: unknown) => this.fail(operation, error)));
  }

  /** Store calls answered with a promise and not settled yet. */
  private readonly inFlight = new Set<Promise<unknown>>();

  private track(settling: Promise<unknown>): void {
    this.inFlight.add(settling);
    void settling.finally(() => this.inFlight.delete(settling));
  }

  /**
   * Once every store call made so far has been answered (and those their
   * answers led to): a run over a store that answers later ends only then,
   * so a write refused after the last step is still the run's failure.
   */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** The store failed (`operation` is what it could not do): stop the run, once, with `error`. */
  fail(operation: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.failure !== null) {
      // The run ends on the first failure; a claim or an import that fails after it still ends, or the run would wait for it.
      if (operation === 'claim' || operation === 'import issues') this.feed({ type: 'store-failed', operation, message });
      return;
    }
    this.failure = error;
    this.feed({ type: 'store-failed', operation, message });
  }

  private spawn(c: Extract<Command, { type: 'spawn' }>): void {
    const runner = this.ports.runner;
    let ended = false;
    const exit = (exit: SessionExit) => {
      if (ended) return;
      ended = true;
      this.handles.delete(c.sessionId);
      this.feed({ type: 'exited', sessionId: c.sessionId, exit });
    };
    if (!runner) return exit({ exitCode: null, signal: null, error: 'no runner is configured' });
    try {
      const spec: SessionSpec = {
        sessionId: c.sessionId,
        workerId: c.workerId,
        attempt: c.attempt,
        issue: c.issue,
        cwd: c.cwd ?? this.ports.cwd,
        logPath: this.ports.logPath?.(c.issue.id, c.attempt, c.sessionId) ?? null,
        resumeFrom: c.resumeFrom,
        budgetUsd: c.budgetUsd,
      };
      const callbacks: SessionCallbacks = {
        onSpawn: (pid, pgid) => this.feed({ type: 'spawned', sessionId: c.sessionId, pid, pgid }),
        onProgress: (at) => this.progress(c.sessionId, at),
        onAgentEvents: (events, at) => this.feed({ type: 'agent', sessionId: c.sessionId, events, at }),
        onExit: exit,
      };
      const handle = this.needsCourse(c) ? startSession(this.courseParts(runner, c), spec, callbacks) : runner.start(spec, callbacks);
      if (!ended) this.handles.set(c.sessionId, handle);
    } catch (error) {
      exit({ exitCode: null, signal: null, error: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Hooks to run around the agent, or a prepared workspace to let go after it. */
  private needsCourse(c: Extract<Command, { type: 'spawn' }>): boolean {
    return Boolean(this.ports.hooks) || (c.cwd !== null && Boolean(this.ports.workspaces?.release));
  }

  private courseParts(runner: SessionRunner, c: Extract<Command, { type: 'spawn' }>): CourseParts {
    const { workspaces, hooks, clock } = this.ports;
    // Only a workspace prepared for this session is let go after it.
    const release = c.cwd !== null && workspaces?.release ? workspaces.release.bind(workspaces) : null;
    return {
      runner,
      hooks: hooks ?? null,
      release: release && (() => release({ issueId: c.issue.id, sessionId: c.sessionId, workerId: c.workerId, attempt: c.attempt })),
      now: () => clock.now(),
    };
  }

  /** The most frequent event of all: when nothing is being handled, one reused object carries it (the reducer keeps no event). */
  private progress(sessionId: string, at: number): void {
    if (this.working) return this.feed({ type: 'progress', sessionId, at });
    const event = this.progressEvent;
    event.sessionId = sessionId;
    event.at = at;
    this.feed(event);
  }

  private readonly progressEvent = { type: 'progress' as const, sessionId: '', at: 0 };

  /** Feed an answer that arrives later (a promise settled). */
  private readonly answer = (event: RunEvent): void => this.feed(event);
}
