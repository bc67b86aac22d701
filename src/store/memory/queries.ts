import { dispatchOrder } from '../../core/order.js';
import type { IssueStatus } from '../../core/states.js';
import type { QueryPort } from '../ports.js';
import type { IssueRow } from '../types.js';
import { lowerBound, sinceAt } from './sorted.js';
import { copyIssue, type MemoryState } from './state.js';

export function memoryIssueQueries(m: MemoryState): Pick<QueryPort, 'getIssue' | 'listIssues'> {
  return {
    getIssue(id) {
      const stored = m.issues.get(id);
      return stored && copyIssue(stored.row);
    },
    listIssues(status?: IssueStatus) {
      // A scan: listing is rare (reports, the end of a run), status changes are not.
      const rows: IssueRow[] = [];
      for (const stored of m.issues.values()) {
        if (status === undefined || stored.row.status === status) rows.push(copyIssue(stored.row));
      }
      return rows.sort(dispatchOrder);
    },
  };
}

export function memoryQueries(m: MemoryState): QueryPort {
  return {
    ...memoryIssueQueries(m),
    countIssues: () => ({ ...m.counts }),
    getSession(id) {
      const stored = m.sessions.get(id);
      return stored && { ...stored.row };
    },
    sessionsForIssue(issueId) {
      const rows = (m.sessionsByIssue.get(issueId) ?? []).map((s) => ({ ...s.row }));
      return rows.sort((a, b) => a.startedAt - b.startedAt || a.attempt - b.attempt);
    },
    finishedSessions(since) {
      const from = since === undefined ? 0 : lowerBound(m.finished, (s) => (s.row.endedAt ?? 0) >= since);
      return m.finished.slice(from).map((s) => ({ ...s.row }));
    },
    listWorkers() {
      const rows = [...m.workers.values()].map((w) => ({ ...w }));
      return rows.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
    listScaleOperations: (since) => sinceAt(m.scaleOperations, since).map((r) => ({ ...r })),
    listBackpressure: (since) => sinceAt(m.backpressure, since).map((r) => ({ ...r })),
    listSnapshots: (since) => sinceAt(m.snapshots, since).map((r) => ({ ...r })),
    listHolds: (activeOnly) => m.holds.filter((h) => !activeOnly || h.endedAt === null).map((h) => ({ ...h })),
  };
}
