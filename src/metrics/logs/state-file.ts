import { hostname } from 'node:os';
import { isAlive } from '../../runtime/processes.js';
import { isRunLive } from '../derive.js';
import type { StoreQueries } from '../queries.js';
import type { SessionLogSource } from './source.js';

/** A state file's sessions: their logs sit beside it, on this host; one harness at most runs them. */
export function stateFileLogs(queries: StoreQueries, shown: string, clock: { now(): number }): SessionLogSource {
  return {
    shown,
    issueStatus: async (id) => queries.issue(id)?.status ?? null,
    sessionsOf: async (id) => queries.sessionsForIssue(id).map((s) => ({ ...s, host: null })),
    now: async (session) => {
      const now = queries.sessionsForIssue(session.issueId).find((s) => s.id === session.id);
      if (now === undefined || now.endedAt !== null) return { state: 'ended' };
      const lock = queries.runLock();
      if (lock && isRunLive(lock, { hostname: hostname(), isAlive, now: clock.now() })) return { state: 'running' };
      return { state: 'orphaned', why: 'the session is still open but no harness is running it; the next `harness run` on this state recovers it' };
    },
    close: async () => queries.close(),
  };
}
