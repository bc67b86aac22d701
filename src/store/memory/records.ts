import type { Records } from '../ports.js';
import { insertSorted } from './sorted.js';
import { atBefore, type MemoryState } from './state.js';

export function memoryRecords(m: MemoryState): Records {
  return {
    upsertWorker(worker) {
      m.workers.set(worker.id, { ...worker, retireReason: worker.retireReason ?? null });
    },
    lastWorkerNumber() {
      let last = 0;
      for (const id of m.workers.keys()) last = Math.max(last, Number(/^worker-(\d+)$/.exec(id)?.[1] ?? 0));
      return last;
    },
    recordScaleOperation(op) {
      insertSorted(m.scaleOperations, { ...op }, atBefore);
    },
    recordBackpressure(change) {
      insertSorted(m.backpressure, { ...change }, atBefore);
    },
    recordHold(hold) {
      endActive(m, hold.kind, hold.since, 'replaced');
      m.holds.push({ ...hold, endedAt: null, endedBy: null });
    },
    endHold(kind, at, by) {
      endActive(m, kind, at, by);
    },
    recordSnapshot(snapshot) {
      // A forgetting store keeps the latest snapshot only.
      if (!m.retain) m.snapshots.length = 0;
      insertSorted(m.snapshots, { ...snapshot }, atBefore);
    },
  };
}

function endActive(m: MemoryState, kind: string, at: number, by: string): void {
  for (const hold of m.holds) if (hold.kind === kind && hold.endedAt === null) Object.assign(hold, { endedAt: at, endedBy: by });
}
