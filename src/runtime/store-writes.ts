/**
 * The store call behind each write the run's reducer asks for: what it is
 * (for the message if it fails), the call, and, for writes that change the
 * queue, the event that feeds the queue's new view back.
 */
import type { RunEvent, StoreWrite } from '../core/run/protocol.js';
import type { Answer, RunStore } from '../store/ports.js';

export interface StoreCall {
  operation: string;
  call: () => Answer<unknown>;
  answer: ((result: never) => RunEvent) | null;
}

export function storeCall(store: RunStore, w: StoreWrite): StoreCall {
  const nothing = (operation: string, call: () => Answer<unknown>): StoreCall => ({ operation, call, answer: null });
  switch (w.op) {
    case 'process':
      return nothing('record a session process', () => store.setSessionProcess(w.sessionId, w.pid, w.pgid));
    case 'touch':
      return nothing('record session progress', () => store.touchSession(w.sessionId, w.at));
    case 'stalled':
      return nothing('record a stall', () => store.markStalled(w.sessionId, w.at));
    case 'agent-session':
      return nothing("record the agent's session", () => store.recordAgentSession(w.sessionId, w.agentSessionId, w.model));
    case 'activity':
      return nothing("record the agent's activity", () => store.recordActivity(w.sessionId, w.activity));
    case 'hold':
      return nothing('record a hold', () => store.recordHold({ kind: w.kind, reason: w.reason, fix: w.fix, since: w.since, until: w.until }));
    case 'hold-end':
      return nothing('record the end of a hold', () => store.endHold(w.kind, w.at, w.by));
    case 'worker':
      return nothing('record a worker', () =>
        store.upsertWorker({ id: w.id, state: w.state, sessionsRun: w.sessionsRun, createdAt: w.createdAt, retiredAt: w.retiredAt, retireReason: w.retireReason }),
      );
    case 'scale':
      return nothing('record a scale operation', () => store.recordScaleOperation({ at: w.at, direction: w.direction, from: w.from, to: w.to, reason: w.reason }));
    case 'backpressure':
      return nothing('record backpressure', () => store.recordBackpressure({ at: w.at, active: w.active, queueDepth: w.queueDepth }));
    case 'finish':
      return { operation: 'record the end of a session', call: () => store.finishSession(w.sessionId, w.end, w.transition), answer: queue };
    case 'import':
      return { operation: 'import issues', call: () => store.importIssues(w.issues, w.now), answer: (r: { view: never }) => queue(r.view) };
    case 'refresh':
      return { operation: 'read the queue', call: () => store.queueView(w.now), answer: queue };
  }
}

const queue = (view: never): RunEvent => ({ type: 'queue', view });
