import { judgeRunLock } from '../run-lock.js';
import type { LockPort } from '../ports.js';
import type { RunLockInfo } from '../types.js';
import type { MemoryState } from './state.js';

export function memoryLock(m: MemoryState): LockPort {
  return {
    acquireRunLock(self, isAlive, options = {}) {
      const holder = m.runLock;
      const verdict = judgeRunLock(holder, self, { isAlive, ...(options.identify ? { identify: options.identify } : {}) }, options.force);
      if (!verdict.claim) return { acquired: false, holder: { ...(holder as RunLockInfo) } };
      m.runLock = { ...self };
      return holder && verdict.why !== 'free' && verdict.why !== 'own' ? { acquired: true, taken: { holder: { ...holder }, why: verdict.why } } : { acquired: true };
    },
    heartbeatRunLock(pid, at) {
      if (m.runLock?.pid === pid) m.runLock.heartbeatAt = at;
    },
    releaseRunLock(pid) {
      if (m.runLock?.pid === pid) m.runLock = undefined;
    },
  };
}
