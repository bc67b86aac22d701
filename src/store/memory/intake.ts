import { afterRetry, retryVerdict } from '../transitions.js';
import type { Intake } from '../ports.js';
import type { IssueRow } from '../types.js';
import { entryOf, type MemoryState, type StoredIssue } from './state.js';

export function memoryIntake(m: MemoryState): Intake {
  return {
    importIssues(issues, now) {
      let added = 0;
      for (const input of issues) {
        if (m.issues.has(input.id)) continue;
        const row: IssueRow = {
          id: input.id,
          title: input.title,
          body: input.body,
          priority: input.priority,
          labels: [...input.labels],
          status: 'backlog',
          attempts: 0,
          priorAttempts: 0,
          seq: ++m.lastSeq,
          createdAt: now,
          updatedAt: now,
          notBefore: null,
          lastError: null,
          branch: null,
          resumeFrom: null,
          spentUsd: 0,
          spentTokens: 0,
        };
        const stored: StoredIssue = { row, token: 0 };
        m.issues.set(row.id, stored);
        m.counts.backlog += 1;
        m.queues.add(entryOf(stored), 'backlog');
        added += 1;
      }
      return { added, known: issues.length - added, view: m.queueView() };
    },

    retryIssues(ids, now) {
      const result = retryVerdict(ids, (id) => m.issues.get(id)?.row.status);
      for (const id of result.retried) {
        const stored = m.issues.get(id)!;
        m.change(stored, afterRetry(stored.row, now));
      }
      return result;
    },
  };
}
