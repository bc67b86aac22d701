import type { Store } from '../store/types.js';
import type { EventBus } from '../core/events.js';
import type { ProcessInspector } from './coordinator-types.js';

/**
 * After the harness died (kill -9, power loss), sessions it started are
 * still open in the store. Kill what is left of each one (only if the pid
 * still belongs to that session) and put its issue back in the queue
 * without spending an attempt.
 */
export function recoverOpenSessions(store: Store, processes: ProcessInspector, events: EventBus, now: number): number {
  const open = store.openSessions();
  for (const session of open) {
    let killed = false;
    if (session.pid !== null && processes.belongsToSession(session.pid, session.id)) {
      processes.killGroup(session.pgid ?? session.pid);
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
