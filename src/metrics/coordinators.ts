import { throughputPerMinute } from '../core/metric-set.js';
import { SESSION_OUTCOMES, type SessionOutcome } from '../core/states.js';
import type { CoordinatorRow, CoordinatorState } from '../store/ports.js';
import { COUNTED_OUTCOMES } from './query-types.js';

/**
 * A fleet's coordinators as `harness metrics --store` and `harness status`
 * show them: pure rules over what the store recorded, the database's clock
 * already applied (heartbeat ages are its own).
 */

/**
 * What a coordinator is now: `live` while its lease holds; `late` once its
 * heartbeat is older than its lease but no other coordinator has declared
 * it dead yet (the next one to look will); `ended` or `dead` as recorded.
 */
export type CoordinatorStatus = Exclude<CoordinatorState, 'live'> | 'live' | 'late';

export function coordinatorStatus(row: Pick<CoordinatorRow, 'state' | 'heartbeatAgeMs' | 'leaseMs'>): CoordinatorStatus {
  if (row.state !== 'live') return row.state;
  return row.heartbeatAgeMs <= row.leaseMs ? 'live' : 'late';
}

/** Whether a coordinator counts as running now: live, within its lease. */
export function coordinatorUp(row: Pick<CoordinatorRow, 'state' | 'heartbeatAgeMs' | 'leaseMs'>): boolean {
  return coordinatorStatus(row) === 'live';
}

/** What the store holds of one coordinator's work, read by coordinator id. */
export interface CoordinatorCounts {
  /** Its workers not retired. */
  workers: number;
  /** Its sessions not ended, and of those the ones the health check found stalled. */
  openSessions: number;
  stalledSessions: number;
  /** Its finished sessions in the report's window, by outcome. */
  outcomes: Partial<Record<SessionOutcome, number>>;
  /** Its successes in the throughput window. */
  recentSuccesses: number;
}

export const NO_COUNTS: CoordinatorCounts = { workers: 0, openSessions: 0, stalledSessions: 0, outcomes: {}, recentSuccesses: 0 };

/** One coordinator's line of the fleet report. */
export interface CoordinatorFigures {
  id: string;
  host: string;
  pid: number;
  version: string;
  status: CoordinatorStatus;
  /** Milliseconds since its last heartbeat, by the database's clock. */
  heartbeatAgeMs: number;
  leaseMs: number;
  maxWorkers: number;
  startedAt: number;
  endedAt: number | null;
  endedBy: string | null;
  /**
   * Its workers: busy (running a session) and idle, while it is live; a
   * coordinator that ended, died or is late has none (what its rows still
   * say is what it left, not a pool).
   */
  workers: { busy: number; idle: number; stalled: number };
  /** Its sessions open now (whatever its state: a dead one's are lost at the next reaping). */
  running: number;
  /** Its finished sessions in the window by outcome, and the report's three headings. */
  sessionsByOutcome: Record<SessionOutcome, number>;
  done: number;
  failed: number;
  lost: number;
  /** Its successful sessions per minute, over the throughput window. */
  throughputPerMinute: number;
}

export function coordinatorFigures(row: CoordinatorRow, counts: CoordinatorCounts): CoordinatorFigures {
  const status = coordinatorStatus(row);
  const up = status === 'live';
  const busy = up ? Math.min(counts.openSessions, counts.workers) : 0;
  const sessionsByOutcome = Object.fromEntries(SESSION_OUTCOMES.map((o) => [o, counts.outcomes[o] ?? 0])) as Record<SessionOutcome, number>;
  const counted = COUNTED_OUTCOMES.reduce((n, o) => n + sessionsByOutcome[o], 0);
  return {
    id: row.id,
    host: row.host,
    pid: row.pid,
    version: row.version,
    status,
    heartbeatAgeMs: row.heartbeatAgeMs,
    leaseMs: row.leaseMs,
    maxWorkers: row.maxWorkers,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    endedBy: row.endedBy,
    workers: { busy, idle: up ? counts.workers - busy : 0, stalled: up ? Math.min(counts.stalledSessions, busy) : 0 },
    running: counts.openSessions,
    sessionsByOutcome,
    done: sessionsByOutcome.success,
    failed: counted - sessionsByOutcome.success,
    lost: sessionsByOutcome.lost,
    throughputPerMinute: throughputPerMinute(counts.recentSuccesses),
  };
}

/** The fleet's workers: the sum over its coordinators. */
export function fleetWorkers(coordinators: readonly CoordinatorFigures[]): { current: number; active: number; stalled: number } {
  let current = 0;
  let active = 0;
  let stalled = 0;
  for (const c of coordinators) {
    current += c.workers.busy + c.workers.idle;
    active += c.workers.busy;
    stalled += c.workers.stalled;
  }
  return { current, active, stalled };
}
