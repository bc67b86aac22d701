import { Counter, Gauge, type Registry } from 'prom-client';
import { SESSION_OUTCOMES } from '../core/states.js';
import type { CoordinatorFigures, CoordinatorStatus } from './coordinators.js';

/**
 * A fleet's coordinators in the exposition, each series labelled
 * `coordinator="<id>"`. They have names of their own (harness_coordinator_*)
 * rather than a `coordinator` label on the fleet-wide series: a family
 * whose series are both the whole and its parts double-counts in every
 * sum(), and the fleet-wide series stay exactly those of a single store.
 */

/** Coordinators that ended or died longer ago than this have no series: every restart is a new id, and their series would pile up. */
export const FINISHED_COORDINATOR_SERIES_MS = 3_600_000;

const STATUSES: readonly CoordinatorStatus[] = ['live', 'late', 'ended', 'dead'];

/** The coordinators given series: the running ones, and those that finished within the last hour before `now`. */
export function exposedCoordinators(coordinators: readonly CoordinatorFigures[], now: number): CoordinatorFigures[] {
  return coordinators.filter((c) => c.status === 'live' || c.status === 'late' || c.endedAt === null || now - c.endedAt <= FINISHED_COORDINATOR_SERIES_MS);
}

export function registerCoordinatorSeries(registry: Registry, coordinators: readonly CoordinatorFigures[], now: number): void {
  const registers = [registry];
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<CoordinatorStatus, number>;
  for (const c of coordinators) counts[c.status] += 1;
  const byState = new Gauge({ name: 'harness_coordinators', help: "Coordinators in the fleet's table by state: live, late (lease expired, not yet declared dead), ended, dead.", labelNames: ['state'], registers });
  for (const s of STATUSES) byState.set({ state: s }, counts[s]);

  const shown = exposedCoordinators(coordinators, now);
  const gauge = (name: string, help: string, value: (c: CoordinatorFigures) => number): void => {
    const metric = new Gauge({ name, help, labelNames: ['coordinator'], registers });
    for (const c of shown) metric.set({ coordinator: c.id }, value(c));
  };
  const info = new Gauge({ name: 'harness_coordinator_info', help: 'Always 1: where each coordinator runs, its version and state.', labelNames: ['coordinator', 'host', 'pid', 'version', 'state'], registers });
  for (const c of shown) info.set({ coordinator: c.id, host: c.host, pid: String(c.pid), version: c.version, state: c.status }, 1);
  gauge('harness_coordinator_up', '1 while the coordinator is live and its lease holds, else 0.', (c) => (c.status === 'live' ? 1 : 0));
  gauge('harness_coordinator_heartbeat_age_seconds', "Seconds since the coordinator's last heartbeat, by the database's clock.", (c) => c.heartbeatAgeMs / 1000);
  gauge('harness_coordinator_lease_seconds', 'How long the coordinator may go without a heartbeat before the fleet presumes it dead.', (c) => c.leaseMs / 1000);
  gauge('harness_coordinator_max_workers', "The upper bound of the coordinator's own pool.", (c) => c.maxWorkers);
  gauge('harness_coordinator_running_sessions', "The coordinator's sessions open now.", (c) => c.running);
  gauge('harness_coordinator_throughput_per_minute', "The coordinator's successful sessions that ended in the last 60 seconds.", (c) => c.throughputPerMinute);

  const workers = new Gauge({ name: 'harness_coordinator_workers', help: "A live coordinator's workers by state: idle, busy (making progress) or stalled.", labelNames: ['coordinator', 'state'], registers });
  const sessions = new Counter({ name: 'harness_coordinator_sessions_total', help: "The coordinator's finished sessions by outcome.", labelNames: ['coordinator', 'outcome'], registers });
  for (const c of shown) {
    workers.set({ coordinator: c.id, state: 'idle' }, c.workers.idle);
    workers.set({ coordinator: c.id, state: 'busy' }, c.workers.busy - c.workers.stalled);
    workers.set({ coordinator: c.id, state: 'stalled' }, c.workers.stalled);
    for (const outcome of SESSION_OUTCOMES) sessions.inc({ coordinator: c.id, outcome }, c.sessionsByOutcome[outcome]);
  }
}
