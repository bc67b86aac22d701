import type { Store } from '../store/types.js';
import type { EventBus } from '../core/events.js';
import type { ProcessInspector } from './coordinator-types.js';

/**
 * After the harness died (kill -9, power loss), sessions it started are
 * still open in the store. Kill what is left of each one (only processes
 * that carry that session's id, never an unrelated process that reused a
 * pid) and put its issue back in the queue without spending an attempt.
 */
export function recoverOpenSessions(store: Store, processes: ProcessInspector, events: EventBus, now: number): number {
  const open = store.openSessions();
  for (const session of open) {
    let killed = false;
    if (session.pid !== null && processes.belongsToSession(session.pid, session.id)) {
      processes.killGroup(session.pgid ?? session.pid);
      killed = true;
    }
    // Whatever else still carries the session's id: its children when the
    // leader is gone, or the agent itself when the harness died while
    // spawning it, before its pid was recorded.
    for (const pid of processes.findSessionProcesses(session.id)) {
      processes.killProcess(pid);
      killed = true;
    }
    store.finishSession(
      session.id,
      { outcome: 'lost', endedAt: now, reason: killed ? 'harness stopped unexpectedly; session killed on restart' : 'harness stopped unexpectedly' },
      { status: 'queued', notBefore: null, refundAttempt: true },
    );
    events.emit('session:recovered', { at: now, sessionId: session.id, issueId: session.issueId, pid: session.pid, killed });
  }
  return open.length;
}
