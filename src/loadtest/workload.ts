import type { SessionRunner } from '../agents/types.js';
import type { Clock } from '../runtime/clock.js';
import { Coordinator } from '../runtime/coordinator.js';
import type { ProcessInspector, RunSummary } from '../runtime/coordinator-types.js';
import { NO_PROCESSES } from '../runtime/processes.js';
import type { ScalePolicy } from '../runtime/scale-manager.js';
import type { IssueInput, Store } from '../store/types.js';
import type { LoadTestConfig } from './config.js';
import { observe, type Observation, type ObserverOptions } from './observe.js';
import { arrivalTime, issueId, type LoadTestSpec } from './spec.js';

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
}

export interface Workload {
  coordinator: Coordinator;
  /** Resolves when the coordinator has finished every issue (or was stopped). */
  done: Promise<{ summary: RunSummary; observation: Observation }>;
}


function makeIssue(index: number): IssueInput {
  return { id: issueId(index), title: `load-test issue ${index + 1}`, body: '', priority: 2, labels: [] };
}

/**
 * The real coordinator, fed the spec's issues as they arrive. Only the clock,
 * the store and the runner differ between simulation and process mode; the
 * scheduling is the coordinator's own. Intake is held open until the last
 * issue has arrived, so the run cannot end during a lull in the ramp-up.
 */
export async function startWorkload(options: WorkloadOptions): Promise<Workload> {
  const { spec, config, clock, store, timeScale } = options;
  let sessions = 0;
  const coordinator = new Coordinator(
    {
      issues: [],
      store,
      runner: options.runner,
      settings: { maxAttempts: config.maxAttempts, sessionTimeoutMs: config.sessionTimeoutMs, retryDelayMs: config.retryDelayMs, logDir: null },
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
    },
  );
  const origin = clock.now();
  const observer = observe(coordinator.events, {
    origin,
    stretch: 1 / timeScale,
    minWorkers: (options.bounds ?? config.scale).minWorkers,
    maxWorkers: (options.bounds ?? config.scale).maxWorkers,
    running: () => coordinator.runningSessions,
    storeWip: () => {
      const c = store.countIssues();
      return c.backlog + c.queued + c.running;
    },
    ...(options.onFinal ? { onFinal: options.onFinal } : {}),
  });
  await coordinator.initialize();
  const release = coordinator.holdIntake();
  const dueAt = (index: number) => origin + arrivalTime(spec, index) * timeScale;
  let next = 0;
  const arrive = (): void => {
    const now = clock.now();
    const batch: IssueInput[] = [];
    while (next < spec.totalIssues && dueAt(next) <= now) batch.push(makeIssue(next++));
    observer.arrive(batch.map((i) => i.id), now, () => coordinator.submit(batch));
    if (next < spec.totalIssues) clock.setTimeout(arrive, Math.max(0, dueAt(next) - clock.now()));
    else release();
  };
  clock.setTimeout(arrive, 0);
  const done = coordinator.run().then((summary) => {
    observer.off();
    return { summary, observation: observer.finish() };
  });
  return { coordinator, done };
}
