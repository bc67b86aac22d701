import { describe, expect, it } from 'vitest';
import { LOCK_STALE_MS, holderState, judgeRunLock, type HolderState, type LockVerdict } from '../../src/store/run-lock.js';
import type { RunLockInfo } from '../../src/store/types.js';

const NOW = 1_000_000;
const holder = (extra: Partial<RunLockInfo> = {}): RunLockInfo => ({ pid: 42, hostname: 'box', startedAt: 0, heartbeatAt: NOW - 5_000, ...extra });
const self: RunLockInfo = { pid: 7, hostname: 'box', startedAt: NOW, heartbeatAt: NOW, processStart: 'boot-1/900' };

describe('holderState', () => {
  const cases: [string, RunLockInfo, { alive: boolean; identity: string | null }, HolderState][] = [
    ['its pid is gone', holder({ processStart: 'boot-1/100' }), { alive: false, identity: null }, 'dead'],
    ['the same process still has its pid', holder({ processStart: 'boot-1/100' }), { alive: true, identity: 'boot-1/100' }, 'live'],
    ['… even when its heartbeat is old (stopped, not dead)', holder({ processStart: 'boot-1/100', heartbeatAt: 0 }), { alive: true, identity: 'boot-1/100' }, 'live'],
    ['a later process took its pid', holder({ processStart: 'boot-1/100' }), { alive: true, identity: 'boot-1/5000' }, 'reused'],
    ['a process of a later boot took its pid', holder({ processStart: 'boot-1/100' }), { alive: true, identity: 'boot-2/100' }, 'reused'],
    ['no identity recorded, fresh heartbeat', holder(), { alive: true, identity: 'boot-1/5000' }, 'live'],
    ['no identity recorded, heartbeat just within the limit', holder({ heartbeatAt: NOW - LOCK_STALE_MS }), { alive: true, identity: 'boot-1/5000' }, 'live'],
    ['no identity recorded, heartbeat past the limit', holder({ heartbeatAt: NOW - LOCK_STALE_MS - 1 }), { alive: true, identity: 'boot-1/5000' }, 'stale'],
    ['identity unreadable now, heartbeat past the limit', holder({ processStart: 'boot-1/100', heartbeatAt: 0 }), { alive: true, identity: null }, 'stale'],
    ['another host, fresh heartbeat', holder({ hostname: 'elsewhere' }), { alive: false, identity: null }, 'live'],
    ['another host, heartbeat past the limit', holder({ hostname: 'elsewhere', heartbeatAt: 0 }), { alive: true, identity: 'boot-1/100' }, 'stale'],
  ];
  it.each(cases)('%s', (_name, lock, system, expected) => {
    const probed: number[] = [];
    const state = holderState(lock, {
      hostname: 'box',
      now: NOW,
      isAlive: (pid) => (probed.push(pid), system.alive),
      identify: () => system.identity,
    });
    expect(state).toBe(expected);
    // A process on another host cannot be probed from here.
    if (lock.hostname !== 'box') expect(probed).toEqual([]);
  });
});

describe('judgeRunLock', () => {
  const alive = { isAlive: () => true, identify: () => 'boot-1/100' };
  const cases: [string, RunLockInfo | undefined, boolean, LockVerdict][] = [
    ['a free lock', undefined, false, { claim: true, why: 'free' }],
    ['our own lock', { ...self, heartbeatAt: 0 }, false, { claim: true, why: 'own' }],
    ['a live holder', holder({ processStart: 'boot-1/100' }), false, { claim: false, why: 'live' }],
    ['a live holder, forced', holder({ processStart: 'boot-1/100' }), true, { claim: true, why: 'forced' }],
    ['a holder whose pid another process has', holder({ processStart: 'boot-0/100' }), false, { claim: true, why: 'reused' }],
    // After a reboot (or in a new container) our own pid can be the one an old harness recorded.
    ['our pid, recorded by another process', { ...self, processStart: 'boot-0/900' }, false, { claim: true, why: 'reused' }],
  ];
  it.each(cases)('%s', (_name, lock, force, expected) => {
    const probe = lock?.pid === self.pid ? { isAlive: () => true, identify: () => self.processStart ?? null } : alive;
    expect(judgeRunLock(lock, self, probe, force)).toEqual(expected);
  });
});
