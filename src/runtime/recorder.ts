import type { EventBus } from '../core/events.js';
import type { Store } from '../store/types.js';

/**
 * Writes what the pool and the scaler do into the store: workers (when they
 * join and when they retire, with the sessions they ran), scale operations,
 * backpressure changes and a metrics snapshot per health check. Sessions
 * are written by the coordinator itself. Returns a function that unsubscribes.
 */
export function recordEvents(events: EventBus, store: Store): () => void {
  const offs = [
    events.on('pool:added', (e) => store.upsertWorker({ id: e.workerId, state: 'idle', sessionsRun: 0, createdAt: e.at, retiredAt: null, retireReason: null })),
    events.on('pool:retired', (e) =>
      store.upsertWorker({ id: e.workerId, state: 'retired', sessionsRun: e.sessionsRun, createdAt: e.createdAt, retiredAt: e.at, retireReason: e.reason }),
    ),
    events.on('scale:up', (e) => store.recordScaleOperation({ at: e.at, direction: 'up', from: e.from, to: e.to, reason: e.reason })),
    events.on('scale:down', (e) => store.recordScaleOperation({ at: e.at, direction: 'down', from: e.from, to: e.to, reason: e.reason })),
    events.on('backpressure:on', (e) => store.recordBackpressure({ at: e.at, active: true, queueDepth: e.queueDepth })),
    events.on('backpressure:off', (e) => store.recordBackpressure({ at: e.at, active: false, queueDepth: e.queueDepth })),
    events.on('health:checked', ({ metrics: m }) =>
      store.recordSnapshot({
        at: m.timestamp,
        currentWorkers: m.currentWorkers,
        activeWorkers: m.activeWorkers,
        idleWorkers: m.idleWorkers,
        stalledWorkers: m.stalledWorkers,
        queueDepth: m.queueDepth,
        mergeQueueDepth: m.mergeQueueDepth,
        throughputPerMinute: m.throughputPerMinute,
        avgSessionDurationMs: m.avgSessionDurationMs,
        p95SessionDurationMs: m.p95SessionDurationMs,
        p99SessionDurationMs: m.p99SessionDurationMs,
        successRate: m.successRate,
        totalSessionsCompleted: m.totalSessionsCompleted,
        totalSessionsFailed: m.totalSessionsFailed,
        health: m.health,
        backpressureActive: m.backpressureActive,
        scaleOperations: m.scaleOperations,
      }),
    ),
  ];
  return () => offs.forEach((off) => off());
}
