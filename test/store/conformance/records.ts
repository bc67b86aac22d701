import { describe, expect, it } from 'vitest';
import type { MetricsSnapshotRow } from '../../../src/store/types.js';
import { freshStore, type MakeStore } from './fixtures.js';

/** RecordPort: workers, scale operations, backpressure and snapshots (read back through QueryPort). */
export function describeRecords(make: MakeStore): void {
  const t = freshStore(make);

  describe('workers, scaling, backpressure and snapshots', () => {
    it('knows the highest worker number ever recorded, so new workers never reuse an id', async () => {
      expect(await t.store.lastWorkerNumber()).toBe(0);
      await t.store.upsertWorker({ id: 'worker-9', state: 'retired', sessionsRun: 3, createdAt: 1, retiredAt: 2 });
      await t.store.upsertWorker({ id: 'worker-12', state: 'idle', sessionsRun: 0, createdAt: 3, retiredAt: null });
      await t.store.upsertWorker({ id: 'w-odd', state: 'idle', sessionsRun: 0, createdAt: 4, retiredAt: null });
      expect(await t.store.lastWorkerNumber()).toBe(12);
    });

  it('upserts workers', async () => {
      await t.store.upsertWorker({ id: 'w2', state: 'idle', sessionsRun: 0, createdAt: 20, retiredAt: null });
      await t.store.upsertWorker({ id: 'w1', state: 'busy', sessionsRun: 0, createdAt: 10, retiredAt: null });
      await t.store.upsertWorker({ id: 'w1', state: 'retired', sessionsRun: 5, createdAt: 10, retiredAt: 99, retireReason: 'recycled: session quota reached' });
      expect(await t.store.listWorkers()).toEqual([
        { id: 'w1', state: 'retired', sessionsRun: 5, createdAt: 10, retiredAt: 99, retireReason: 'recycled: session quota reached' },
        { id: 'w2', state: 'idle', sessionsRun: 0, createdAt: 20, retiredAt: null, retireReason: null },
      ]);
    });

    it('appends scale operations and lists them since a time', async () => {
      await t.store.recordScaleOperation({ at: 10, direction: 'up', from: 1, to: 3, reason: 'queue deep' });
      await t.store.recordScaleOperation({ at: 20, direction: 'down', from: 3, to: 2, reason: 'idle' });
      expect(await t.store.listScaleOperations()).toEqual([
        { at: 10, direction: 'up', from: 1, to: 3, reason: 'queue deep' },
        { at: 20, direction: 'down', from: 3, to: 2, reason: 'idle' },
      ]);
      expect((await t.store.listScaleOperations(11)).map((o) => o.at)).toEqual([20]);
      expect((await t.store.listScaleOperations(20)).map((o) => o.at)).toEqual([20]);
    });

    it('appends backpressure changes with booleans', async () => {
      await t.store.recordBackpressure({ at: 5, active: true, queueDepth: 40 });
      await t.store.recordBackpressure({ at: 9, active: false, queueDepth: 3 });
      expect(await t.store.listBackpressure()).toEqual([
        { at: 5, active: true, queueDepth: 40 },
        { at: 9, active: false, queueDepth: 3 },
      ]);
      expect(await t.store.listBackpressure(6)).toEqual([{ at: 9, active: false, queueDepth: 3 }]);
    });

    it('appends metric snapshots and returns every field as written', async () => {
      const snapshot = (at: number, backpressureActive: boolean): MetricsSnapshotRow => ({
        at,
        currentWorkers: 4,
        activeWorkers: 3,
        idleWorkers: 1,
        stalledWorkers: 0,
        queueDepth: 12,
        mergeQueueDepth: 2,
        throughputPerMinute: 1.5,
        avgSessionDurationMs: 61_000.25,
        p95SessionDurationMs: 120_000,
        p99SessionDurationMs: 180_000,
        successRate: 0.875,
        totalSessionsCompleted: 7,
        totalSessionsFailed: 1,
        health: 'degraded',
        backpressureActive,
        scaleOperations: 2,
      });
      await t.store.recordSnapshot(snapshot(100, true));
      await t.store.recordSnapshot(snapshot(200, false));
      expect(await t.store.listSnapshots()).toEqual([snapshot(100, true), snapshot(200, false)]);
      expect(await t.store.listSnapshots(150)).toEqual([snapshot(200, false)]);
      expect(await t.store.listSnapshots(201)).toEqual([]);
    });
  });
}
