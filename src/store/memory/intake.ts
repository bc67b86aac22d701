import { afterRetry, afterUnrun, failsUnrun, retryVerdict } from '../transitions.js';
import type { Intake } from '../ports.js';
import type { IssueInput, IssueRow } from '../types.js';
import type { IssueStatus } from '../../core/states.js';
import type { MemoryState } from './state.js';

export function memoryIntake(m: MemoryState): Intake {
  return {
    importIssues(issues, now) {
      let added = 0;
      for (const input of issues) {
        if (m.issues.has(input.id)) continue;
        m.insert(newIssue(input, 'backlog', null, ++m.lastSeq, now));
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

    failUnrun(issues, reason, now) {
      let failed = 0;
      for (const input of issues) {
        const stored = m.issues.get(input.id);
        if (!stored) m.insert(newIssue(input, 'failed', reason, ++m.lastSeq, now));
        else if (failsUnrun(stored.row.status)) m.change(stored, afterUnrun(stored.row, reason, now));
        else continue;
        failed += 1;
      }
      return { failed, view: m.queueView() };
    },
  };
}

function newIssue(input: IssueInput, status: IssueStatus, lastError: string | null, seq: number, now: number): IssueRow {
  return {
    id: input.id,
    title: input.title,
    body: input.body,
    priority: input.priority,
    labels: [...input.labels],
    status,
    attempts: 0,
    priorAttempts: 0,
    seq,
    createdAt: now,
    updatedAt: now,
    notBefore: null,
    lastError,
    branch: null,
    resumeFrom: null,
    spentUsd: 0,
    spentTokens: 0,
  };
}
