import { describe, expect, it } from 'vitest';
import type { RunLockInfo } from '../../../src/store/types.js';
import { freshStore, type MakeStore } from './fixtures.js';

/** LockPort: one live harness per store. */
export function describeLock(make: MakeStore): void {
  const t = freshStore(make);

  describe('run lock', () => {
    const me: RunLockInfo = { pid: 100, hostname: 'box', startedAt: 1_000, heartbeatAt: 1_000 };
    const other: RunLockInfo = { pid: 200, hostname: 'box', startedAt: 500, heartbeatAt: 900 };
    const alive = () => true;
    const dead = () => false;

    it('is granted when free, and again to the same process', async () => {
      expect(await t.store.acquireRunLock(me, alive)).toEqual({ acquired: true });
      expect(await t.store.acquireRunLock({ ...me, heartbeatAt: 2_000 }, alive)).toEqual({ acquired: true });
    });

    it('is refused while a live process on this host holds it, naming the holder', async () => {
      await t.store.acquireRunLock(other, alive);
      const probed: number[] = [];
      const result = await t.store.acquireRunLock(me, (pid) => (probed.push(pid), true));
      expect(result).toEqual({ acquired: false, holder: other });
      expect(probed).toEqual([200]);
    });

    it('is taken over from a dead process on this host, naming it', async () => {
      await t.store.acquireRunLock(other, alive);
      expect(await t.store.acquireRunLock(me, dead)).toEqual({ acquired: true, taken: { holder: other, why: 'dead' } });
      expect(await t.store.acquireRunLock(other, alive)).toEqual({ acquired: false, holder: me });
    });

    it("is taken over when the holder's pid belongs to another process now, however fresh its heartbeat", async () => {
      const holder = { ...other, processStart: 'boot-a/500' };
      await t.store.acquireRunLock(holder, alive);
      const identify = (pid: number) => (pid === 200 ? 'boot-b/42' : null);
      expect(await t.store.acquireRunLock(me, alive, { identify })).toEqual({ acquired: true, taken: { holder, why: 'reused' } });
    });

    it('is refused while the process that took it still has the pid, however old its heartbeat', async () => {
      const holder = { ...other, processStart: 'boot-a/500' };
      await t.store.acquireRunLock(holder, alive);
      const identify = () => 'boot-a/500';
      expect(await t.store.acquireRunLock({ ...me, heartbeatAt: 10_000_000 }, alive, { identify })).toEqual({ acquired: false, holder });
    });

    it('is judged by its heartbeat when the identity of its holder cannot be compared', async () => {
      await t.store.acquireRunLock(other, alive);
      const identify = () => 'boot-a/1';
      // No identity recorded (an older harness): a live pid holds the lock only while the heartbeat is fresh.
      expect(await t.store.acquireRunLock({ ...me, heartbeatAt: 60_900 }, alive, { identify })).toMatchObject({ acquired: false });
      expect(await t.store.acquireRunLock({ ...me, heartbeatAt: 60_901 }, alive, { identify })).toEqual({ acquired: true, taken: { holder: other, why: 'stale' } });
      // Identity recorded but unreadable now (no /proc): the same rule.
      const recorded = { ...other, pid: 300, processStart: 'boot-a/7', heartbeatAt: 100_000 };
      await t.store.acquireRunLock(recorded, dead, { force: true });
      expect(await t.store.acquireRunLock({ ...me, heartbeatAt: 150_000 }, alive, { identify: () => null })).toMatchObject({ acquired: false });
      expect(await t.store.acquireRunLock({ ...me, heartbeatAt: 170_000 }, alive, { identify: () => null })).toMatchObject({ acquired: true, taken: { why: 'stale' } });
    });

    it('is taken from a live holder when forced, naming the holder', async () => {
      await t.store.acquireRunLock(other, alive);
      expect(await t.store.acquireRunLock(me, alive, { force: true })).toEqual({ acquired: true, taken: { holder: other, why: 'forced' } });
      expect(await t.store.acquireRunLock(other, alive)).toEqual({ acquired: false, holder: me });
    });

    it('is taken from another host only once its heartbeat is over a minute old', async () => {
      const remote: RunLockInfo = { pid: 100, hostname: 'elsewhere', startedAt: 0, heartbeatAt: 10_000 };
      await t.store.acquireRunLock(remote, alive);
      // Same pid on a different host is a different process.
      expect(await t.store.acquireRunLock({ ...me, heartbeatAt: 70_000 }, dead)).toEqual({ acquired: false, holder: remote });
      await t.store.heartbeatRunLock(100, 20_000);
      expect(await t.store.acquireRunLock({ ...me, heartbeatAt: 75_000 }, dead)).toMatchObject({ acquired: false });
      expect(await t.store.acquireRunLock({ ...me, heartbeatAt: 80_001 }, alive)).toEqual({
        acquired: true,
        taken: { holder: { ...remote, heartbeatAt: 20_000 }, why: 'stale' },
      });
    });

    it('records heartbeats only from the holder and is released only by the holder', async () => {
      await t.store.acquireRunLock(other, alive);
      await t.store.heartbeatRunLock(999, 5_000);
      await t.store.heartbeatRunLock(200, 1_500);
      await t.store.releaseRunLock(999);
      expect(await t.store.acquireRunLock(me, alive)).toEqual({ acquired: false, holder: { ...other, heartbeatAt: 1_500 } });
      await t.store.releaseRunLock(200);
      expect(await t.store.acquireRunLock(me, alive)).toEqual({ acquired: true });
    });
  });
}
