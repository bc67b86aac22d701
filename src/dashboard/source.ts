/**
 * Where the dashboard reads from: the seam between the server and a store.
 * The SQLite state (a file, read through its own read-only connection) and
 * the PostgreSQL store a fleet shares are two implementations; the hub,
 * the routes and the log follower know only this. Every answer is a
 * promise, since a server is asked over the network.
 */
import type { IssuePage, IssuePageQuery, AttemptRow, MergeRow } from '../metrics/fleet.js';
import type { IssueRow, SessionRow } from '../store/types.js';
import type { DashboardState } from './data.js';

export interface IssueDetail {
  issue: IssueRow;
  attempts: AttemptRow[];
  merges: MergeRow[];
  trackerUrl: string | null;
}

/** A session, and the host its log was written on: null when that is this host (a state file's logs sit beside it). */
export interface SessionLocation {
  session: SessionRow;
  host: string | null;
}

export interface DashboardSource {
  /**
   * A value that changes whenever the store does, asked every update
   * interval; absent when the store has no cheap way to tell (then the
   * state is read at every update and sent only when it differs).
   */
  version?: () => Promise<unknown>;
  /** The whole state the page shows, read as of one moment. */
  read(): Promise<DashboardState>;
  /** One page of the issue table, and the issues' version it was read at. */
  issuePage(query: IssuePageQuery): Promise<IssuePage & { version: string }>;
  issueDetail(id: string): Promise<IssueDetail | undefined>;
  session(id: string): Promise<SessionLocation | undefined>;
  /** Whether a harness run (on PostgreSQL: any coordinator of the fleet) is live now, so that a request would be taken. */
  live(): Promise<boolean>;
  close(): Promise<void>;
}
