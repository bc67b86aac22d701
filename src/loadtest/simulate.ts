import { VirtualClock } from '../runtime/clock.js';
import type { SessionSpec } from '../agents/types.js';
import type { ScalePolicy } from '../runtime/scale-manager.js';
import { MemoryStore } from '../store/memory/index.js';
import type { Store } from '../store/types.js';
import { drawBehaviour, drawRetryJitter } from './behaviour.js';
import { ProviderLimit } from './provider.js';
import type { LoadTestConfig } from './config.js';
import type { RunRecord } from './results.js';
import { SimulatedRunner } from './sim-runner.js';
import type { LoadTestSpec } from './spec.js';
import { startWorkload, type WorkloadOptions } from './workload.js';

export interface SimulateOptions {
  cwd: string;
  policy?: ScalePolicy;
  bounds?: WorkloadOptions['bounds'];
  onFinal?: WorkloadOptions['onFinal'];
  adaptiveConcurrency?: boolean;
  /** The store to run on. Default: a memory store that forgets what is finished (a test passes one that keeps it, to read the sessions). */
  store?: Store;
}

/**
 * Virtual time long enough for a pool of one worker to finish everything:
 * every attempt of every issue at the session timeout plus the longest
 * backoff. A run still going then has a pool that does no work; it is
 * stopped and reported as incomplete rather than stepped forever. `config`
 * is in clock time; `timeScale` converts the spec's ramp-up to it.
 */
export function simulationDeadline(spec: LoadTestSpec, config: LoadTestConfig, timeScale = 1): number {
  const perAttempt = config.sessionTimeoutMs + 100 * config.retryDelayMs + config.scale.healthCheckIntervalMs;
  return spec.rampUpMs * timeScale + spec.totalIssues * config.maxAttempts * perAttempt;
}

/**
 * Simulation mode: the real coordinator on a virtual clock, with sessions
 * that exist only as timers. Each session's fate comes from drawBehaviour,
 * so a seed gives the same run every time. The clock is stepped one timer
 * at a time (with chains, the intake decides between steps); once the
 * coordinator has finished it cancels its own timers, the clock runs dry
 * and the loop ends.
 */
export async function simulate(spec: LoadTestSpec, config: LoadTestConfig, options: SimulateOptions): Promise<RunRecord> {
  const clock = new VirtualClock(0);
  const provider = spec.rateLimit ? new ProviderLimit(spec.rateLimit, clock.now()) : null;
  const plan = provider
    ? (s: SessionSpec) => ({ ...drawBehaviour(spec, s.issue.id, s.attempt), jitter: (n: number) => drawRetryJitter(spec, s.issue.id, s.attempt, n) })
    : (s: SessionSpec) => drawBehaviour(spec, s.issue.id, s.attempt);
  const runner = new SimulatedRunner(clock, plan, { progressEveryMs: config.progressEveryMs, ...(provider ? { provider } : {}) });
  const { coordinator, done, settling } = await startWorkload({
    spec,
    config,
    clock,
    // What is finished is folded into counts and forgotten: memory stays flat in the number of issues.
    store: options.store ?? new MemoryStore({ retainFinished: false }),
    runner,
    cwd: options.cwd,
    timeScale: 1,
    ...(options.policy ? { policy: options.policy } : {}),
    ...(options.bounds ? { bounds: options.bounds } : {}),
    ...(options.onFinal ? { onFinal: options.onFinal } : {}),
    ...(options.adaptiveConcurrency !== undefined ? { adaptiveConcurrency: options.adaptiveConcurrency } : {}),
  });
  const deadline = simulationDeadline(spec, config);
  let complete = true;
  for (;;) {
    // With chains the intake decides between steps, in no virtual time.
    const deciding = settling();
    if (deciding) {
      await deciding;
      continue;
    }
    if (!clock.step()) break;
    if (complete && clock.now() > deadline) {
      complete = false;
      coordinator.stop(true);
    }
  }
  const { summary, observation } = await done;
  return { summary, observation, complete: complete && !summary.interrupted, provider: provider?.counts ?? null };
}
