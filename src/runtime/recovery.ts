import type { EventBus } from '../core/events.js';
import type { Answer, AsyncStore } from '../store/ports.js';
import type { SessionRow, Store } from '../store/types.js';
import { andThen, eachInTurn } from './answers.js';
import type { ProcessInspector } from './coordinator-types.js';

/**
 * After the harness died (kill -9, power loss), sessions it started are
 * still open in the store. Kill what is left of each one (only processes
 * that carry that session's id, never an unrelated process that reused a
 * pid) and put its issue back in the queue without spending an attempt.
 */
export function recoverOpenSessions(store: Store | AsyncStore, processes: ProcessInspector, events: EventBus, now: number): Answer<unknown> {
  return andThen(store.openSessions(), (open) => eachInTurn(open, (session) => recoverSession(store, session, processes, events, now)));
}

function recoverSession(store: Store | AsyncStore, session: SessionRow, processes: ProcessInspector, events: EventBus, now: number): Answer<void> {
  const killed = killSessionProcesses(session, processes);
  const finished = store.finishSession(
    session.id,
    { outcome: 'lost', endedAt: now, reason: killed ? 'harness stopped unexpectedly; session killed on restart' : 'harness stopped unexpectedly' },
    { status: 'queued', notBefore: null, refundAttempt: true },
  );
  return andThen(finished, () => events.emit('session:recovered', { at: now, sessionId: session.id, issueId: session.issueId, pid: session.pid, killed }));
}

/**
 * Kill what is left of a session of a harness that died: its process group
 * if its leader is still the session's, and whatever else still carries the
 * session's id (its children when the leader is gone, or the agent itself
 * when the harness died while spawning it, before its pid was recorded).
 * Whether anything was killed.
 */
export function killSessionProcesses(session: Pick<SessionRow, 'id' | 'pid' | 'pgid'>, processes: ProcessInspector): boolean {
  let killed = false;
  if (session.pid !== null && processes.belongsToSession(session.pid, session.id)) {
    processes.killGroup(session.pgid ?? session.pid);
    killed = true;
  }
  for (const pid of processes.findSessionProcesses(session.id)) {
    processes.killProcess(pid);
    killed = true;
  }
  return killed;
}
