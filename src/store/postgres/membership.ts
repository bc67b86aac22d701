import { FencedError } from '../../errors.js';
import type { Tx } from './sql.js';

/**
 * Which coordinator of a fleet a store claims for, once it has joined:
 * its id and fencing token, the fleet's cap on open sessions, and the
 * fencing token of each session it claimed. Unjoined (a single harness,
 * the conformance suite, readers), nothing is fenced.
 */
export class Membership {
  self: { id: string; token: number; fleetMaxWorkers: number | null } | null = null;
  readonly fences = new Map<string, number>();

  get id(): string {
    return this.self?.id ?? '';
  }

  /**
   * A WHERE condition on a `sessions` row for a write about it, with the
   * coordinator's id as parameter `$me` and the claim's fencing token as
   * `$fence`: true for an unjoined store; for a joined one, only while the
   * coordinator is live (its row locked FOR SHARE, as check() does) and
   * the session is its claim. A write that changes nothing under it asks
   * check() why (refusing it) or finds nothing wrong (an ended session).
   */
  static guard(me: number, fence: number): string {
    return `($${me} = '' OR (coordinator_id = $${me} AND ($${fence}::bigint IS NULL OR fence = $${fence})
      AND EXISTS (SELECT 1 FROM coordinators WHERE id = $${me} AND state = 'live' FOR SHARE)))`;
  }

  /** The parameters of guard(): this coordinator's id and the session's fencing token. */
  guardParams(sessionId: string): [string, number | null] {
    return [this.id, this.fences.get(sessionId) ?? null];
  }

  /**
   * Inside a write about `sessionId`: refuse it (FencedError) unless this
   * coordinator is still live and the session is its own claim. The
   * coordinator's row is locked FOR SHARE until the transaction ends, so a
   * coordinator declaring this one dead waits for the write, or the write
   * sees it dead: never both.
   */
  async check(tx: Tx, sessionId: string | null, doing: string): Promise<void> {
    const self = this.self;
    if (!self) return;
    const row = await tx.row<{ state: string; ended_by: string | null; owner: string | null; fence: number | null }>(
      `SELECT c.state, c.ended_by, s.coordinator_id AS owner, s.fence
       FROM coordinators c LEFT JOIN sessions s ON s.id = $2
       WHERE c.id = $1 FOR SHARE OF c`,
      [self.id, sessionId ?? ''],
    );
    if (!row || row.state !== 'live') {
      throw new FencedError(
        `coordinator ${self.id} may no longer ${doing}: the fleet ${row?.ended_by ? `presumed it dead (${row.ended_by})` : 'no longer lists it as live'}, ` +
          'and its sessions went back to the queue for others (a session end it printed after that was not recorded: the fleet redoes the issue); this coordinator stops. Start harness again to rejoin the fleet',
      );
    }
    if (sessionId === null || row.owner === null) return;
    const expected = this.fences.get(sessionId);
    if (row.owner !== self.id || (expected !== undefined && row.fence !== expected)) {
      throw new FencedError(
        `coordinator ${self.id} may no longer ${doing}: session ${sessionId} is not its claim any more (the fleet requeued it), so the write is refused`,
      );
    }
  }
}
