import { judgeRunLock } from '../run-lock.js';
import type { LockPort } from '../ports.js';
import type { RunLockClaim, RunLockInfo } from '../types.js';
import type { SqliteConnection } from './connection.js';
import { toRunLock } from './rows.js';

/** One live harness per state file: the run lock row, judged by src/store/run-lock.ts. */
export function sqliteLock(c: SqliteConnection): LockPort {
  return {
    acquireRunLock(self, isAlive, options = {}) {
      return c.write((): RunLockClaim => {
        const record = c.sql.getRunLock.get();
        const holder = record && toRunLock(record);
        const verdict = judgeRunLock(holder, self, { isAlive, ...(options.identify ? { identify: options.identify } : {}) }, options.force);
        if (!verdict.claim) return { acquired: false, holder: holder as RunLockInfo };
        c.sql.claimRunLock.run({
          pid: self.pid,
          hostname: self.hostname,
          started_at: self.startedAt,
          heartbeat_at: self.heartbeatAt,
          process_start: self.processStart ?? null,
        });
        return holder && verdict.why !== 'free' && verdict.why !== 'own' ? { acquired: true, taken: { holder, why: verdict.why } } : { acquired: true };
      });
    },

    heartbeatRunLock(pid, at) {
      c.write(() => c.sql.heartbeatRunLock.run(at, pid));
    },

    releaseRunLock(pid) {
      c.write(() => c.sql.releaseRunLock.run(pid));
    },
  };
}
