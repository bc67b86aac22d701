import { describe, expect, it } from 'vitest';
import { EventBus, type HarnessEvents } from '../../src/core/events.js';
import { LeaseLostError } from '../../src/errors.js';
import { MergeLeadership, type LeasePort } from '../../src/merge/leadership.js';
import { leaderOnly } from '../../src/merge/merge-store.js';
import type { Merger } from '../../src/merge/merger.js';
import { MergeQueue } from '../../src/merge/queue.js';
import { VirtualClock } from '../../src/runtime/clock.js';
import { MemoryStore } from '../../src/store/memory/index.js';

/** A lease the test hands out: `free` says whether the store would give it; every call is counted. */
function leaseOf(clock: VirtualClock, answerAfterMs = 0) {
  const state = { free: true, asked: 0, released: 0 };
  const port: LeasePort = {
    holdLease: async () => {
      state.asked++;
      const free = state.free;
      if (answerAfterMs > 0) await clock.sleep(answerAfterMs);
      return free;
    },
    releaseLease: async () => void state.released++,
  };
  return { state, port };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('MergeLeadership', () => {
  it('holds the lease for its length from when it was asked, renewing it every third of it', async () => {
    const clock = new VirtualClock(1_000);
    const { state, port } = leaseOf(clock);
    const leadership = new MergeLeadership({ lease: port, clock, ttlMs: 3_000 });
    expect(leadership.holds()).toBe(false);
    expect(await leadership.acquire()).toBe(true);
    expect(leadership.holds()).toBe(true);
    clock.advance(1_000);
    await settle();
    expect(state.asked).toBe(2);
    for (const ms of [1_000, 1_000, 500]) {
      clock.advance(ms);
      await settle();
    }
    // Renewed at 2 000, 3 000 and 4 000: held until 7 000, past the first lease's end at 4 000.
    expect(state.asked).toBe(4);
    clock.advance(2_400);
    expect(leadership.holds()).toBe(true);
  });

  it('lets the lease run out once the store refuses to renew it, and says so before its end', async () => {
    const clock = new VirtualClock(0);
    const { state, port } = leaseOf(clock);
    const leadership = new MergeLeadership({ lease: port, clock, ttlMs: 3_000 });
    await leadership.acquire();
    state.free = false;
    clock.advance(1_000);
    await settle();
    // Refused at 1 000: the lease may be another's already, so it is not held from now on.
    expect(leadership.holds()).toBe(false);
    expect(() => leadership.check('land a merge')).toThrow(LeaseLostError);
    await expect(leadership.confirm('land a merge')).rejects.toThrow(/lost the merge lease before it could land a merge/);
  });

  it('counts the lease from when it was asked, not from when the store answered', async () => {
    const clock = new VirtualClock(0);
    const { port } = leaseOf(clock, 2_900);
    const leadership = new MergeLeadership({ lease: port, clock, ttlMs: 3_000 });
    const acquired = leadership.acquire();
    clock.advance(2_900);
    expect(await acquired).toBe(true);
    clock.advance(99);
    expect(leadership.holds()).toBe(true);
    // 3 000 after it was asked, though the store said so at 2 900: the store's own expiry is no earlier.
    clock.advance(1);
    expect(leadership.holds()).toBe(false);
  });

  it('gives the lease up when released, and stops renewing it', async () => {
    const clock = new VirtualClock(0);
    const { state, port } = leaseOf(clock);
    const leadership = new MergeLeadership({ lease: port, clock, ttlMs: 3_000 });
    await leadership.acquire();
    await leadership.release();
    expect(state.released).toBe(1);
    expect(leadership.holds()).toBe(false);
    clock.advance(10_000);
    await settle();
    expect(state.asked).toBe(1);
  });

  it("refuses the merge loop's writes once the lease is lost, and lets reads through", async () => {
    const clock = new VirtualClock(0);
    const { state, port } = leaseOf(clock);
    const leadership = new MergeLeadership({ lease: port, clock, ttlMs: 3_000 });
    const store = new MemoryStore();
    store.importIssues([{ id: 'A', title: 'a', body: '', priority: 2, labels: [] }], 0);
    const guarded = leaderOnly(store, leadership);
    expect(() => guarded.enqueueMerge({ issueId: 'A', branch: 'harness/A', head: null, now: 0 })).toThrow(LeaseLostError);
    await leadership.acquire();
    const entry = guarded.enqueueMerge({ issueId: 'A', branch: 'harness/A', head: null, now: 0 }) as { id: number };
    state.free = false;
    clock.advance(1_000);
    await settle();
    expect(() => guarded.setMergeState(entry.id, { reason: 'late' }, 1_000)).toThrow(LeaseLostError);
    expect(store.getMerge(entry.id)?.reason).toBeNull();
    expect(guarded.mergeDepth()).toBe(1);
  });
});

describe('MergeQueue on a store that answers at once', () => {
  it('queues and reports the entry before enqueue returns, and reads the depth at once', () => {
    const store = new MemoryStore();
    store.importIssues([{ id: 'A', title: 'a', body: '', priority: 2, labels: [] }], 0);
    const events = new EventBus();
    const queued: HarnessEvents['merge:queued'][] = [];
    events.on('merge:queued', (e) => queued.push(e));
    let woken = 0;
    const merger = { wake: () => woken++, cleanUpLater: () => {} } as unknown as Merger;
    const workspaces = { commitsAhead: async () => 1, branchHead: async () => null };
    const queue = new MergeQueue({ store, events, workspaces, merger, target: 'main', requireCommits: true });
    const answer = queue.enqueue(store.getIssue('A')!, 'harness/A', null, 5);
    expect(answer).toBeUndefined();
    expect(queued).toEqual([{ at: 5, issueId: 'A', branch: 'harness/A' }]);
    expect(woken).toBe(1);
    expect(queue.depth()).toBe(1);
  });
});
