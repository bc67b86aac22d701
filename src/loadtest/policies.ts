import type { ScaleConfig } from '../core/scale-config.js';
import { decideScale, queueRatio, type ScaleDecision, type ScaleInput } from '../core/scale.js';
import type { ScalePolicy } from '../runtime/scale-manager.js';

/**
 * Scaling policies for `--compare`: the harness default and three baselines
 * run on the same seeded workload. Each entry makes a fresh policy per run,
 * since the HPA-style one keeps a history.
 */
export interface PolicyEntry {
  name: string;
  description: string;
  create(config: ScaleConfig): ScalePolicy;
  /** Changes to the scale config the policy needs (a fixed pool starts full). */
  adjust?(config: ScaleConfig): ScaleConfig;
  /** Lower the concurrency under a provider's rate limits. Only the harness's own policy does; the baselines stand for systems that do not. */
  adaptiveConcurrency: boolean;
}

function decision(input: ScaleInput, target: number, reason: string): ScaleDecision {
  const from = input.workers;
  return { direction: target > from ? 'up' : target < from ? 'down' : 'hold', from, target, ratio: queueRatio(input.queueDepth, from), reason };
}

/** A pool held at `size` workers whatever the queue does. */
export function fixedPolicy(size: number): ScalePolicy {
  return (input) => decision(input, size, 'fixed pool');
}

export interface HpaOptions {
  /** Issues (running or queued) per worker the policy aims for. Default 1. */
  targetPerWorker?: number;
  /** No change while |metric ÷ target − 1| is within this. Kubernetes' default 0.1. */
  tolerance?: number;
  /** A scale-down goes only as low as the highest recommendation within this window (ms). */
  stabilizationMs: number;
}

/**
 * Kubernetes' HPA algorithm on demand per worker: desired = ceil(current ×
 * metric ÷ target), no action within the tolerance, growth of at most
 * max(100 %, 4 workers) per check, and scale-down stabilisation (the highest
 * recommendation in the window wins). It ignores the harness cooldown, as
 * HPA's scale-up does.
 */
export function hpaPolicy(options: HpaOptions): ScalePolicy {
  const target = options.targetPerWorker ?? 1;
  const tolerance = options.tolerance ?? 0.1;
  const history: { at: number; desired: number }[] = [];
  return (input, config) => {
    const { workers, busy, queueDepth, now } = input;
    const demand = busy + queueDepth;
    let desired: number;
    if (workers === 0) desired = Math.ceil(demand / target);
    else {
      const ratio = demand / workers / target;
      desired = Math.abs(ratio - 1) <= tolerance ? workers : Math.ceil(workers * ratio);
    }
    desired = Math.min(config.maxWorkers, Math.max(config.minWorkers, desired, 0));
    desired = Math.min(desired, Math.max(2 * workers, workers + 4));
    history.push({ at: now, desired });
    while (history.length > 0 && now - history[0]!.at > options.stabilizationMs) history.shift();
    if (desired < workers) desired = Math.min(workers, Math.max(...history.map((h) => h.desired)));
    return decision(input, desired, `hpa: demand ${demand}, target ${target} per worker`);
  };
}

/** HPA's 300 s window is twenty of its 15 s sync periods; here twenty health checks. */
const HPA_WINDOW_CHECKS = 20;

export const COMPARED_POLICIES: readonly PolicyEntry[] = [
  { name: 'default', description: 'the harness scaler (decideScale) with adaptive concurrency', create: () => decideScale, adaptiveConcurrency: true },
  {
    name: 'fixed-max',
    description: 'a fixed pool of maxWorkers',
    create: (c) => fixedPolicy(c.maxWorkers),
    adjust: (c) => ({ ...c, minWorkers: c.maxWorkers }),
    adaptiveConcurrency: false,
  },
  { name: 'fixed-min', description: 'a fixed pool of minWorkers', create: (c) => fixedPolicy(c.minWorkers), adaptiveConcurrency: false },
  {
    name: 'hpa',
    description: 'Kubernetes HPA-style proportional scaling, 1 issue per worker',
    create: (c) => hpaPolicy({ stabilizationMs: HPA_WINDOW_CHECKS * c.healthCheckIntervalMs }),
    adaptiveConcurrency: false,
  },
];

export function findPolicy(name: string): PolicyEntry | undefined {
  return COMPARED_POLICIES.find((p) => p.name === name);
}
