/**
 * Who runs the merge loop when several coordinators share one store (a
 * fleet): the holder of the store's named lease `merge`. The others queue
 * their branches and never merge. The leader renews the lease every third
 * of its length; a leader that stops renewing (killed, paused, cut off from
 * the store) loses it when it runs out, and the next coordinator to try
 * takes it, recovers the entry left `merging` (recovery.ts) and goes on.
 */
import type { Answer, Fleet } from '../store/ports.js';
import type { Clock, TimerHandle } from '../runtime/clock.js';
import { LeaseLostError } from '../errors.js';

/** The name of the lease whose holder runs the merge loop. */
export const MERGE_LEASE = 'merge';

/** The store's leases, as the merge leadership needs them. */
export type LeasePort = { [K in 'holdLease' | 'releaseLease']: (...args: Parameters<Fleet[K]>) => Answer<ReturnType<Fleet[K]>> };

export { LeaseLostError };

export interface LeadershipOptions {
  lease: LeasePort;
  clock: Clock;
  /** How long a taken or renewed lease lasts (fleet.leaseMs). */
  ttlMs: number;
}

/**
 * This coordinator's claim to the merge lease. `holds()` is answered from
 * what it knows, without asking the store: the lease is taken to end `ttlMs`
 * after the renewal was *sent*, which is never later than the store's own
 * expiry (counted from when the store ran it), so a coordinator never
 * believes it leads once another one may.
 */
export class MergeLeadership {
  private heldUntil = 0;
  private renewer: TimerHandle | null = null;
  private renewing = false;

  constructor(private readonly o: LeadershipOptions) {}

  get ttlMs(): number {
    return this.o.ttlMs;
  }

  /** Whether the lease is this coordinator's now, by its own reckoning. */
  holds(): boolean {
    return this.o.clock.now() < this.heldUntil;
  }

  /** Throw LeaseLostError unless the lease is this coordinator's now. */
  check(doing: string): void {
    if (!this.holds()) throw new LeaseLostError(`lost the ${MERGE_LEASE} lease before it could ${doing}: another coordinator leads the merge queue now`);
  }

  /**
   * Take or renew the lease with the store: whether it is held now. While
   * held, a timer renews it every third of ttlMs; a failed or refused
   * renewal lets it run out (holds() turns false at its end).
   */
  async acquire(): Promise<boolean> {
    const sentAt = this.o.clock.now();
    let held = false;
    try {
      held = await this.o.lease.holdLease(MERGE_LEASE, this.o.ttlMs);
    } finally {
      this.heldUntil = held ? sentAt + this.o.ttlMs : 0;
      if (held) this.keepRenewing();
      else this.stopRenewing();
    }
    return held;
  }

  /** Renew with the store now, and throw LeaseLostError unless it is still held: right before the target moves. */
  async confirm(doing: string): Promise<void> {
    if (!(await this.acquire().catch(() => false))) this.check(doing);
  }

  /** Stop renewing and give the lease up, so another coordinator need not wait for it to run out. */
  async release(): Promise<void> {
    this.stopRenewing();
    const held = this.heldUntil > 0;
    this.heldUntil = 0;
    if (held) await this.o.lease.releaseLease(MERGE_LEASE);
  }

  private keepRenewing(): void {
    if (this.renewer) return;
    this.renewer = this.o.clock.setInterval(() => {
      if (this.renewing) return;
      this.renewing = true;
      // A renewal that fails is a lease that runs out: holds() says so, and the loop stops merging.
      this.acquire()
        .catch(() => false)
        .finally(() => (this.renewing = false));
    }, Math.max(50, Math.floor(this.o.ttlMs / 3)));
  }

  private stopRenewing(): void {
    this.renewer?.cancel();
    this.renewer = null;
  }
}
