/**
 * The store call behind each store command of the run's reducer (admit,
 * claim, write), what it is called in a failure's message, and the event
 * that feeds its answer back. Plain switches, so the run's millions of
 * writes allocate no closure.
 */
import type { Command, RunEvent } from '../core/run/protocol.js';
import type { LogPathFor, QueueView, RunStore } from '../store/ports.js';

export type StoreCommand = Extract<Command, { type: 'admit' | 'claim' | 'write' }>;

/** Carry out `c` on `store`; `sessionId` is the new session's id for a claim. */
export function callStore(store: RunStore, c: StoreCommand, sessionId: string, logPath: LogPathFor): unknown {
  if (c.type === 'admit') return store.admit(c.limit, c.now);
  if (c.type === 'claim') return store.claim({ sessionId, workerId: c.workerId, now: c.now, logPath });
  const w = c.write;
  switch (w.op) {
    case 'touch':
      return store.touchSession(w.sessionId, w.at);
    case 'finish':
      return store.finishSession(w.sessionId, w.end, w.transition);
    case 'process':
      return store.setSessionProcess(w.sessionId, w.pid, w.pgid);
    case 'stalled':
      return store.markStalled(w.sessionId, w.at);
    case 'agent-session':
      return store.recordAgentSession(w.sessionId, w.agentSessionId, w.model);
    case 'activity':
      return store.recordActivity(w.sessionId, w.activity);
    case 'hold':
      return store.recordHold({ kind: w.kind, reason: w.reason, fix: w.fix, since: w.since, until: w.until });
    case 'hold-end':
      return store.endHold(w.kind, w.at, w.by);
    case 'worker':
      return store.upsertWorker({ id: w.id, state: w.state, sessionsRun: w.sessionsRun, createdAt: w.createdAt, retiredAt: w.retiredAt, retireReason: w.retireReason });
    case 'scale':
      return store.recordScaleOperation({ at: w.at, direction: w.direction, from: w.from, to: w.to, reason: w.reason });
    case 'backpressure':
      return store.recordBackpressure({ at: w.at, active: w.active, queueDepth: w.queueDepth });
    case 'import':
      return store.importIssues(w.issues, w.now);
    case 'refresh':
      return store.queueView(w.now);
  }
}

/** The event that answers `c` with the store's `result`; none for writes nothing waits on. */
export function answerTo(c: StoreCommand, result: unknown, sessionId: string): RunEvent | null {
  if (c.type === 'admit') {
    const r = result as { count: number; view: QueueView };
    return { type: 'admitted', count: r.count, view: r.view };
  }
  if (c.type === 'claim') {
    const r = result as { issue: Extract<RunEvent, { type: 'claimed' }>['issue']; view: QueueView };
    return { type: 'claimed', workerId: c.workerId, sessionId, at: c.now, issue: r.issue, view: r.view };
  }
  switch (c.write.op) {
    case 'finish':
    case 'refresh':
      return { type: 'queue', view: result as QueueView };
    case 'import':
      return { type: 'imported', view: (result as { view: QueueView }).view };
    default:
      return null;
  }
}

/** What the command does, for the message when it fails ("could not …"). */
export function operationOf(c: StoreCommand): string {
  if (c.type !== 'write') return c.type;
  switch (c.write.op) {
    case 'process':
      return 'record a session process';
    case 'touch':
      return 'record session progress';
    case 'stalled':
      return 'record a stall';
    case 'agent-session':
      return "record the agent's session";
    case 'activity':
      return "record the agent's activity";
    case 'hold':
      return 'record a hold';
    case 'hold-end':
      return 'record the end of a hold';
    case 'worker':
      return 'record a worker';
    case 'scale':
      return 'record a scale operation';
    case 'backpressure':
      return 'record backpressure';
    case 'finish':
      return 'record the end of a session';
    case 'import':
      return 'import issues';
    case 'refresh':
      return 'read the queue';
  }
}
