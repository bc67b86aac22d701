import type { SessionRunner } from '../agents/types.js';
import type { Clock } from '../runtime/clock.js';
import { Coordinator } from '../runtime/coordinator.js';
import type { ProcessInspector, RunSummary } from '../runtime/coordinator-types.js';
import { NO_PROCESSES } from '../runtime/processes.js';
import type { ScalePolicy } from '../runtime/scale-manager.js';
import type { BacklogIssue } from '../sources/types.js';
import type { IssueInput, Store } from '../store/types.js';
import { startChainGate } from './chain-gate.js';
import type { ChainsById } from './chain-watch.js';
import { chainLayout, type ChainLayout } from './chains.js';
import type { LoadTestConfig } from './config.js';
import { observe, type Observation, type ObserverOptions } from './observe.js';
import { arrivalTime, issueId, issueIndex, type LoadTestSpec } from './spec.js';

export interface WorkloadOptions {
  spec: LoadTestSpec;
  /** In clock time (already scaled in process mode). */
  config: LoadTestConfig;
  clock: Clock;
  store: Store;
  runner: SessionRunner;
  cwd: string;
  policy?: ScalePolicy;
  /** Clock ms per scenario ms: 1 in simulation, the time scale in process mode. */
  timeScale: number;
  processes?: ProcessInspector;
  /**
   * The pool bounds provisioning is judged against. Default: the config's.
   * A baseline that pins the pool (fixed at maxWorkers) must still be judged
   * against the spec's bounds, or it could never look over-provisioned.
   */
  bounds?: { minWorkers: number; maxWorkers: number };
  onFinal?: ObserverOptions['onFinal'];
  /** Lower the concurrency under rate limits (the harness's own behaviour); a fixed-pool baseline turns it off. Default true. */
  adaptiveConcurrency?: boolean;
}

export interface Workload {
  coordinator: Coordinator;
  /** Resolves when the coordinator has finished every issue (or was stopped). */
  done: Promise<{ summary: RunSummary; observation: Observation }>;
  /**
   * With chains: the intake is still deciding what it was given (its passes
   * are asynchronous), so a virtual clock must wait for this before its next
   * step. Null when it is not, and always without chains.
   */
  settling(): Promise<void> | null;
}


function makeIssue(index: number): IssueInput {
  return { id: issueId(index), title: `load-test issue ${index + 1}`, body: '', priority: 2, labels: [] };
}

/** Issue `index` as a source gives it, blocked by the issue before it in its chain. */
function chainedIssue(layout: ChainLayout, index: number): BacklogIssue {
  const blocker = layout.blockerOf(index);
  return { ...makeIssue(index), blockedBy: blocker === null ? [] : [issueId(blocker)], url: null };
}

/** The layout by issue id, for the observer's critical path. */
function chainsById(layout: ChainLayout): ChainsById {
  const id = (index: number | null) => (index === null ? null : issueId(index));
  return { blockerOf: (issue) => id(layout.blockerOf(issueIndex(issue))), dependentOf: (issue) => id(layout.dependentOf(issueIndex(issue))) };
}

/**
 * The real coordinator, fed the spec's issues as they arrive. Only the clock,
 * the store and the runner differ between simulation and process mode; the
 * scheduling is the coordinator's own. Intake is held open until the last
 * issue has arrived, so the run cannot end during a lull in the ramp-up.
 * Like a tracker, the workload keeps issues that arrived until the store
 * has room for them in its backlog (always more than one admission takes),
 * so a million issues arriving at once cost a count, not a million rows.
 * With chains, arrivals go through the intake `harness run` uses
 * (chain-gate.ts), which holds each issue until its blocker is done;
 * without, they go to the coordinator directly, as fast as before. Either
 * way the source is a tracker's: issues past the backlog's room wait
 * outside, in arrival order, as a tracker's wait outside the intake's
 * window, and a dependent its blocker releases goes ahead of them (it
 * arrived before them). Handing every arrival over at once, as `harness
 * run` does with a file, would cost the intake a pass over every waiting
 * issue each time one finishes.
 */
export async function startWorkload(options: WorkloadOptions): Promise<Workload> {
  const { spec, config, clock, store, timeScale } = options;
  const layout = chainLayout(spec);
  let sessions = 0;
  const coordinator = new Coordinator(
    {
      issues: [],
      store,
      runner: options.runner,
      settings: {
        maxAttempts: config.maxAttempts,
        sessionTimeoutMs: config.sessionTimeoutMs,
        retryDelayMs: config.retryDelayMs,
        logDir: null,
        adaptiveConcurrency: options.adaptiveConcurrency ?? true,
      },
    },
    {
      cwd: options.cwd,
      clock,
      scaleConfig: config.scale,
      ...(options.policy ? { policy: options.policy } : {}),
      newSessionId: () => `session-${++sessions}`,
      processes: options.processes ?? NO_PROCESSES,
      lock: false,
      displayMetrics: false,
      // Simulated agents load no machine: the load test never reads the host's load or memory.
      host: null,
    },
  );
  const origin = clock.now();
  const dueAt = (index: number) => origin + arrivalTime(spec, index) * timeScale;
  // Issues that arrived: `arrived` of them; handed to the coordinator: `handed` (the store imports them in turn). The rest wait at the source.
  let arrived = 0;
  let handed = 0;
  const observer = observe(coordinator.events, {
    origin,
    stretch: 1 / timeScale,
    minWorkers: (options.bounds ?? config.scale).minWorkers,
    maxWorkers: (options.bounds ?? config.scale).maxWorkers,
    running: () => coordinator.runningSessions,
    storeWip: () => {
      // Arrived issues the store has not imported yet are still waiting at the source.
      const c = store.countIssues();
      const imported = c.backlog + c.queued + c.running + c.merging + c.done + c.failed;
      return c.backlog + c.queued + c.running + (arrived - imported);
    },
    ...(options.onFinal ? { onFinal: options.onFinal } : {}),
    ...(layout ? { chains: chainsById(layout) } : {}),
  });
  await coordinator.initialize();
  const release = coordinator.holdIntake();
  const gate = layout
    ? await startChainGate({ coordinator, store, clock, onBlockerFailure: config.onBlockerFailure, onSettled: () => handOver() })
    : null;
  // The store's backlog is kept at least this deep while issues wait at the source, so every admission finds all it has room for.
  const lookahead = config.scale.maxQueueDepth + 1 + config.scale.maxWorkers;
  // Arrival times of the issues waiting at the source, in batches: [first index, time it arrived].
  const waiting: [number, number][] = [];
  const arrivedAt = (index: number): number => {
    let at = waiting[0]?.[1] ?? clock.now();
    for (const [first, time] of waiting) {
      if (first > index) break;
      at = time;
    }
    return at;
  };
  const handOver = (): void => {
    // The intake is still deciding what it was last given: the backlog it fills is not counted yet. It calls again when done.
    if (gate?.settling()) return;
    const want = Math.min(arrived - handed, lookahead - store.countIssues().backlog);
    if (want <= 0) return;
    const first = handed;
    const batch = Array.from({ length: want }, (_, i) => makeIssue(first + i));
    const times = batch.map((_, i) => arrivedAt(first + i));
    handed += want;
    while (waiting.length > 1 && (waiting[1]?.[0] ?? Infinity) <= handed) waiting.shift();
    if (handed === arrived) waiting.length = 0;
    const submit = gate && layout ? () => gate.offer(batch.map((_, i) => chainedIssue(layout, first + i))) : () => coordinator.submit(batch);
    observer.handOver(batch.map((i) => i.id), (i) => times[i] as number, submit);
    if (handed === spec.totalIssues) {
      release();
      gate?.allOffered();
    }
  };
  const offAdmitted = coordinator.events.on('issue:admitted', handOver);
  const arrive = (): void => {
    const now = clock.now();
    const from = arrived;
    while (arrived < spec.totalIssues && dueAt(arrived) <= now) arrived++;
    if (arrived > from) waiting.push([from, now]);
    observer.arrive(arrived - from, now);
    handOver();
    if (arrived < spec.totalIssues) clock.setTimeout(arrive, Math.max(0, dueAt(arrived) - clock.now()));
  };
  clock.setTimeout(arrive, 0);
  const done = coordinator
    .run()
    .finally(() => gate?.stop())
    .then((summary) => {
      offAdmitted();
      observer.off();
      const failure = gate?.failure();
      if (failure) throw failure;
      const observation = observer.finish();
      observation.leftWaiting = gate?.leftWaiting() ?? 0;
      return { summary, observation };
    });
  return { coordinator, done, settling: () => gate?.settling() ?? null };
}
