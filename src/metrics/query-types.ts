/** The rows and ranges StoreQueries answers with. */
import type { SessionOutcome } from '../core/states.js';
import type { HoldRow } from '../store/types.js';

/** Outcomes that count towards durations, percentiles and the success rate (cancelled and lost do not). */
export const COUNTED_OUTCOMES = ['success', 'failure', 'stalled', 'timeout'] as const satisfies readonly SessionOutcome[];

/** A time range `from < t ≤ to` (epoch ms). */
export interface TimeRange {
  from: number;
  to: number;
}

/** Every time there is. */
export const ALL_TIME: TimeRange = { from: Number.MIN_SAFE_INTEGER, to: Number.MAX_SAFE_INTEGER };


export interface OutcomeTotals {
  count: number;
  /** Sum of durations (negative durations, from a clock step, count as 0). */
  durationMs: number;
}

export interface ScaleOperationEventRow {
  at: number;
  direction: 'up' | 'down';
  from: number;
  to: number;
  reason: string;
}

export interface BackpressureEventRow {
  at: number;
  active: boolean;
  queueDepth: number;
}

export interface KilledSessionRow {
  at: number;
  outcome: 'stalled' | 'timeout';
  sessionId: string;
  issueId: string;
  workerId: string;
  reason: string | null;
}

/** What the state has spent, as the agents reported it (the store's running totals). */
export interface SpendTotals {
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

/** A hold as recorded (the holds table), newest changes first in latestHoldChanges. */
export type HoldRecordRow = HoldRow;

export interface RecycleRow {
  at: number;
  workerId: string;
  sessionsRun: number;
}

/** One column of the workers/queue chart: the largest values among the snapshots in it. */
export interface SnapshotBucket {
  bucket: number;
  workers: number;
  queueDepth: number;
}
