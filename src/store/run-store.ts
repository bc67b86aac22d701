/**
 * The run's ports over a synchronous Store: every write answers with the
 * queue as it is afterwards.
 */
import type { QueueView } from '../core/run/state.js';
import type { LogPathFor, RunStore } from './ports.js';
import type { IssueRow, Store } from './types.js';

export function queueViewOf(store: Store): QueueView {
  return { counts: store.countIssues(), nextRetryAt: store.nextRetryAt(), mergeDepth: store.mergeDepth() };
}

export function runStoreOf(store: Store): RunStore {
  if (hasRunStore(store)) return store.runStore();
  const view = () => queueViewOf(store);
  return {
    importIssues(issues, now) {
      store.importIssues(issues, now);
      return view();
    },
    admit(limit, now) {
      return { count: store.admit(limit, now).length, view: view() };
    },
    claim(args: { sessionId: string; workerId: string; now: number; logPath: LogPathFor }) {
      const next = store.nextQueued(args.now);
      if (!next) return { issue: null, view: view() };
      const attempt = next.priorAttempts + next.attempts + 1;
      store.startSession({ sessionId: args.sessionId, issueId: next.id, workerId: args.workerId, now: args.now, logPath: args.logPath(next.id, attempt, args.sessionId) });
      const issue: IssueRow = { ...next, status: 'running', attempts: next.attempts + 1, notBefore: null, updatedAt: args.now };
      return { issue, view: view() };
    },
    queueView: () => view(),
    setSessionProcess: (sessionId, pid, pgid) => store.setSessionProcess(sessionId, pid, pgid),
    touchSession: (sessionId, at) => store.touchSession(sessionId, at),
    finishSession(sessionId, end, transition) {
      store.finishSession(sessionId, end, transition);
      return view();
    },
    upsertWorker: (worker) => store.upsertWorker(worker),
    recordScaleOperation: (op) => store.recordScaleOperation(op),
    recordBackpressure: (change) => store.recordBackpressure(change),
    recordSnapshot: (snapshot) => store.recordSnapshot(snapshot),
    checkFile: () => store.checkFile?.(),
  };
}

function hasRunStore(store: Store): store is Store & { runStore(): RunStore } {
  return typeof (store as { runStore?: unknown }).runStore === 'function';
}
