import { dispatchOrder } from '../../core/order.js';
import type { IssueStatus } from '../../core/states.js';
import { MinHeap } from './heap.js';

/**
 * A queue entry for an issue. Entries are never removed from the middle of a
 * heap: the owner bumps an issue's `token` on every status change, and an
 * entry whose token no longer matches is dropped when it reaches the top.
 */
export interface QueueEntry {
  id: string;
  token: number;
  priority: number;
  seq: number;
  notBefore: number | null;
}

const mostUrgent = (a: QueueEntry, b: QueueEntry): boolean => dispatchOrder(a, b) < 0;
const soonest = (a: QueueEntry, b: QueueEntry): boolean => (a.notBefore ?? 0) < (b.notBefore ?? 0);

/**
 * The backlog and queued issues of the in-memory store, kept in dispatch
 * order so admit and nextQueued cost O(log n) instead of a scan.
 */
export class DispatchQueues {
  private readonly backlog = new MinHeap<QueueEntry>(mostUrgent);
  /** Queued issues that may be dispatched (notBefore null, or passed at some earlier query). */
  private readonly ready = new MinHeap<QueueEntry>(mostUrgent);
  /** Queued issues waiting for their notBefore; moved to `ready` as time passes. */
  private readonly delayed = new MinHeap<QueueEntry>(soonest);
  /** Every queued issue with a notBefore, for nextRetryAt (never drained into `ready`). */
  private readonly retries = new MinHeap<QueueEntry>(soonest);

  /** @param isLive whether an entry still describes its issue in that status */
  constructor(private readonly isLive: (entry: QueueEntry, status: IssueStatus) => boolean) {}

  /** Record an issue that has just entered `status`; other statuses are not queued. */
  add(entry: QueueEntry, status: IssueStatus): void {
    if (status === 'backlog') {
      this.backlog.push(entry);
    } else if (status === 'queued' && entry.notBefore === null) {
      this.ready.push(entry);
    } else if (status === 'queued') {
      this.delayed.push(entry);
      this.retries.push(entry);
    }
  }

  /** Remove and return the most urgent live backlog entry. */
  takeBacklog(): QueueEntry | undefined {
    for (let entry = this.backlog.pop(); entry; entry = this.backlog.pop()) {
      if (this.isLive(entry, 'backlog')) return entry;
    }
    return undefined;
  }

  /** The most urgent queued entry dispatchable at `now`, left in place. */
  nextReady(now: number): QueueEntry | undefined {
    for (let top = this.delayed.peek(); top && (top.notBefore ?? 0) <= now; top = this.delayed.peek()) {
      this.delayed.pop();
      if (this.isLive(top, 'queued')) this.ready.push(top);
    }
    // Entries promoted by a later `now` than this one are set aside, then put back.
    const notYet: QueueEntry[] = [];
    let found: QueueEntry | undefined;
    for (let top = this.ready.peek(); top && !found; top = this.ready.peek()) {
      if (!this.isLive(top, 'queued')) this.ready.pop();
      else if (top.notBefore !== null && top.notBefore > now) notYet.push(this.ready.pop() as QueueEntry);
      else found = top;
    }
    for (const entry of notYet) this.ready.push(entry);
    return found;
  }

  nextRetryAt(): number | null {
    for (let top = this.retries.peek(); top; top = this.retries.peek()) {
      if (this.isLive(top, 'queued')) return top.notBefore;
      this.retries.pop();
    }
    return null;
  }
}
