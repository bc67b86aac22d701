import { judgeRunLock } from '../run-lock.js';
import type { LockPort } from '../ports.js';
import type { RunLockClaim, RunLockInfo } from '../types.js';
import type { PostgresConnection } from './connection.js';
import { toRunLock, type RunLockRecord } from './rows.js';
import type { Promising } from './promising.js';

/** One live harness per store: the run lock row, judged by src/store/run-lock.ts. */
export function postgresLock(c: PostgresConnection): Promising<LockPort> {
  return {
    acquireRunLock: (self, isAlive, options = {}) =>
      c.transact('take the run lock', async (tx): Promise<RunLockClaim> => {
        // The row may not exist yet, so there is nothing to lock FOR UPDATE: lock the table against other claims (readers go on).
        await tx.run('LOCK TABLE run_lock IN SHARE ROW EXCLUSIVE MODE');
        const record = await tx.row<RunLockRecord>('SELECT pid, hostname, started_at, heartbeat_at, process_start FROM run_lock WHERE id = 1');
        const holder = record && toRunLock(record);
        const verdict = judgeRunLock(holder, self, { isAlive, ...(options.identify ? { identify: options.identify } : {}) }, options.force);
        if (!verdict.claim) return { acquired: false, holder: holder as RunLockInfo };
        await tx.run(
          `INSERT INTO run_lock (id, pid, hostname, started_at, heartbeat_at, process_start) VALUES (1, $1, $2, $3, $4, $5)
           ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, hostname = excluded.hostname, started_at = excluded.started_at,
             heartbeat_at = excluded.heartbeat_at, process_start = excluded.process_start`,
          [self.pid, self.hostname, self.startedAt, self.heartbeatAt, self.processStart ?? null],
        );
        return holder && verdict.why !== 'free' && verdict.why !== 'own' ? { acquired: true, taken: { holder, why: verdict.why } } : { acquired: true };
      }),

    heartbeatRunLock: (pid, at) =>
      c.transact('record the run lock heartbeat', async (tx) => {
        await tx.run('UPDATE run_lock SET heartbeat_at = $2 WHERE pid = $1', [pid, at]);
      }),

    releaseRunLock: (pid) =>
      c.transact('release the run lock', async (tx) => {
        await tx.run('DELETE FROM run_lock WHERE pid = $1', [pid]);
      }),
  };
}
