import { ISSUE_STATUSES, type IssueStatus } from '../../core/states.js';
import { ACTIVE_MERGE_STATES } from '../../merge/states.js';
import type { QueueView } from '../ports.js';
import { noReports, reportFor } from '../outbox.js';
import type { IssueChange } from '../transitions.js';
import type {
  BackpressureChangeRow,
  ControlRequestRow,
  HoldRow,
  IssueRow,
  MergeEntryRow,
  MetricsSnapshotRow,
  ReportRow,
  RunLockInfo,
  ScaleOperationRow,
  SessionRow,
  WorkerRow,
} from '../types.js';
import { DispatchQueues, type QueueEntry } from './dispatch-queues.js';

export interface StoredIssue {
  row: IssueRow;
  /** Bumped on every status change; queue entries carrying an older token are stale. */
  token: number;
}

export interface StoredSession {
  row: SessionRow;
  /** Start order, the tie-breaker SQLite gets from rowid. */
  order: number;
}

/**
 * Everything the memory store holds, shared by its ports (one module each
 * in this folder). The dispatch path is O(log n) through heaps and counts
 * are counters; rows handed out are copies, so callers cannot corrupt it.
 */
export class MemoryState {
  readonly issues = new Map<string, StoredIssue>();
  readonly counts = Object.fromEntries(ISSUE_STATUSES.map((s) => [s, 0])) as Record<IssueStatus, number>;
  lastSeq = 0;
  readonly queues = new DispatchQueues((entry, status) => this.live(entry, status) !== undefined);

  readonly sessions = new Map<string, StoredSession>();
  sessionOrder = 0;
  readonly open = new Set<string>();
  readonly sessionsByIssue = new Map<string, StoredSession[]>();
  /** Finished sessions ordered by (endedAt, start order). */
  readonly finished: StoredSession[] = [];

  readonly workers = new Map<string, WorkerRow>();
  readonly scaleOperations: ScaleOperationRow[] = [];
  readonly backpressure: BackpressureChangeRow[] = [];
  readonly snapshots: MetricsSnapshotRow[] = [];
  runLock: RunLockInfo | undefined;

  /** Merge entries in id order (ids are assigned in increasing order, so appending keeps it). */
  readonly merges: MergeEntryRow[] = [];
  readonly mergeIndex = new Map<number, MergeEntryRow>();

  /** What every ended session has spent. */
  readonly spent = { costUsd: 0, inputTokens: 0, outputTokens: 0 };
  readonly holds: HoldRow[] = [];
  /** Control requests in id order (id = index + 1); the first `controlsTaken` have been taken. */
  readonly controls: ControlRequestRow[] = [];
  controlsTaken = 0;

  /** Issues that came from a tracker (ids not imported yet included), and the reports owed to them, in id order (id = index + 1). */
  readonly tracked = new Map<string, { source: string; url: string | null }>();
  readonly reports: ReportRow[] = [];
  /** Ids of the pending and sending reports; ids only grow and a settled one never comes back, so this is oldest first. */
  readonly unsettled = new Set<number>();
  readonly reportCounts = noReports();

  /** The queue view answers hand out: one object, kept current, so a simulation's millions of steps allocate none. */
  private readonly view: QueueView = { counts: this.counts, nextRetryAt: null, mergeDepth: 0, spent: this.spent };

  /** @param retain keep finished sessions, done issues and every snapshot (see MemoryStoreOptions) */
  constructor(readonly retain: boolean) {}

  queueView(): QueueView {
    this.view.nextRetryAt = this.queues.nextRetryAt();
    this.view.mergeDepth = this.merges.length === 0 ? 0 : this.mergeDepth();
    return this.view;
  }

  mergeDepth(): number {
    let depth = 0;
    for (const entry of this.merges) if (ACTIVE_MERGE_STATES.includes(entry.state)) depth++;
    return depth;
  }

  /** A new issue, in whatever status it starts: counted, queued if it waits, reported if it starts finished. */
  insert(row: IssueRow): StoredIssue {
    const stored: StoredIssue = { row, token: 0 };
    this.issues.set(row.id, stored);
    this.counts[row.status] += 1;
    if (row.status === 'backlog' || row.status === 'queued') this.queues.add(entryOf(stored), row.status);
    if (this.tracked.size > 0) this.queueReport(row, undefined);
    return stored;
  }

  /** The one place an issue's status changes, so counters, heaps and the outbox stay in step. */
  change(stored: StoredIssue, change: IssueChange): void {
    const row = stored.row;
    const from = row.status;
    this.counts[from] -= 1;
    Object.assign(row, change);
    this.counts[row.status] += 1;
    stored.token += 1;
    // Only backlog and queued issues wait in a queue.
    if (row.status === 'backlog' || row.status === 'queued') this.queues.add(entryOf(stored), row.status);
    // Before a forgetting store drops a done issue: its report is still owed.
    if (this.tracked.size > 0) this.queueReport(row, from);
    if (!this.retain && row.status === 'done') this.issues.delete(row.id);
  }

  private queueReport(row: IssueRow, from: IssueStatus | undefined): void {
    const kind = reportFor(from, row.status);
    const tracker = kind && this.tracked.get(row.id);
    if (!kind || !tracker) return;
    const id = this.reports.length + 1;
    this.reports.push({
      id,
      issueId: row.id,
      source: tracker.source,
      url: tracker.url,
      kind,
      createdAt: row.updatedAt,
      state: 'pending',
      attempts: 0,
      lastAttemptAt: null,
      settledAt: null,
      error: null,
    });
    this.unsettled.add(id);
    this.reportCounts.pending += 1;
  }

  /** The issue behind a heap entry, if the entry still describes it. */
  private live(entry: QueueEntry, status: IssueStatus): StoredIssue | undefined {
    const stored = this.issues.get(entry.id);
    return stored && stored.token === entry.token && stored.row.status === status ? stored : undefined;
  }
}

export function entryOf(stored: StoredIssue): QueueEntry {
  const { id, priority, seq, notBefore } = stored.row;
  return { id, token: stored.token, priority, seq, notBefore };
}

export function copyIssue(row: IssueRow): IssueRow {
  return { ...row, labels: [...row.labels] };
}

export const atBefore = (a: { at: number }, b: { at: number }): boolean => a.at < b.at;
