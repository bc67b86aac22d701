import { expect } from 'vitest';
import type { Store } from '../../src/store/ports.js';

/**
 * Start a session on issue `issueId`, as a run would: admit it if it waits
 * in the backlog, then claim it. It must be queued and ready.
 */
export function startSessionOn(store: Store, args: { sessionId: string; issueId: string; workerId: string; now: number; logPath: string | null }): void {
  if (store.getIssue(args.issueId)?.status === 'backlog') {
    // Admission takes the most urgent first: admit until this one is queued.
    while (store.getIssue(args.issueId)?.status === 'backlog' && store.admit(1, args.now).count > 0);
  }
  const { issue } = store.claim({ sessionId: args.sessionId, workerId: args.workerId, now: args.now, logPath: () => args.logPath, issueId: args.issueId });
  expect(issue?.id, `issue ${args.issueId} could not be claimed: it is ${store.getIssue(args.issueId)?.status ?? 'unknown'}`).toBe(args.issueId);
}
