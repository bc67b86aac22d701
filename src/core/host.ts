import type { ScaleDecision } from './scale.js';

/**
 * Host limits on growing the pool, after GNU parallel's --load and
 * --memfree: while the machine is over either limit, no worker is added;
 * the sessions that run go on, and the pool is never shrunk for it. Both
 * the sample and the limits are parameters: the runtime reads the machine
 * (src/runtime/host.ts) and hands the reading over as a fact.
 */
export interface HostSample {
  /** The 1-minute load average. */
  load1: number;
  /** Memory available to new processes (bytes). */
  freeBytes: number;
}

/** A sampler the interpreter calls before each health check: the machine, or a test's stand-in. */
export type HostSampler = () => HostSample;

export interface HostLimits {
  /** Grow only while the 1-minute load average is at most this; null: no limit. */
  maxLoad: number | null;
  /** Grow only while at least this much memory is free (bytes); null: no limit. */
  minFreeMemory: number | null;
}

export const NO_HOST_LIMITS: Readonly<HostLimits> = Object.freeze({ maxLoad: null, minFreeMemory: null });

/** Whether any limit is set: without one the host is never sampled. */
export function hasHostLimits(limits: Readonly<HostLimits>): boolean {
  return limits.maxLoad !== null || limits.minFreeMemory !== null;
}

/**
 * Why the host is too busy to take another worker, or null when it is not.
 * No sample (none taken yet, or no sampler) holds nothing back: a limit
 * that cannot be read must not keep the pool from its minimum. "Over" is
 * strict on both sides, as in the messages (`7.9 > 6`, `1.2 GB < 2 GB`).
 */
export function hostPressure(sample: Readonly<HostSample> | null, limits: Readonly<HostLimits>): string | null {
  if (sample === null) return null;
  const reasons: string[] = [];
  if (limits.maxLoad !== null && sample.load1 > limits.maxLoad) {
    reasons.push(`host load ${formatLoad(sample.load1)} > host.maxLoad ${formatLoad(limits.maxLoad)}`);
  }
  if (limits.minFreeMemory !== null && sample.freeBytes < limits.minFreeMemory) {
    reasons.push(`free memory ${formatBytes(sample.freeBytes)} < host.minFreeMemory ${formatBytes(limits.minFreeMemory)}`);
  }
  return reasons.length === 0 ? null : reasons.join(' and ');
}

/**
 * A decision to grow becomes a hold at the current size while the host is
 * under pressure; its reason says what held it and what would have grown
 * it. Holding and shrinking pass unchanged: the host limit never shrinks.
 */
export function holdGrowthForHost(decision: ScaleDecision, pressure: string | null): ScaleDecision {
  if (pressure === null || decision.direction !== 'up') return decision;
  return { ...decision, direction: 'hold', target: decision.from, reason: `${pressure}: not growing (${decision.reason})` };
}

/** A load average as people read one: `7.9`, `6`, `12.34`. */
function formatLoad(load: number): string {
  return Number.isFinite(load) ? String(Number(load.toFixed(2))) : String(load);
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** A byte count in decimal units, one decimal at most: `512 MB`, `1.2 GB`, `2 GB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const sign = bytes < 0 ? '-' : '';
  return `${sign}${unit === 0 ? Math.round(value) : Number(value.toFixed(1))} ${BYTE_UNITS[unit]}`;
}
