import type { IssueStatus } from '../../core/states.js';
import type { SessionRow } from '../../store/types.js';

/** A session whose log is asked for, and the host of the coordinator that ran it (null: this host, or a state file's). */
export interface LoggedSession extends SessionRow {
  host: string | null;
}

/** What a followed session is doing now. */
export type SessionNow = { state: 'ended' } | { state: 'running' } | { state: 'orphaned'; why: string };

/**
 * Where `harness logs` finds an issue's sessions and their logs: a state
 * file, or a fleet's PostgreSQL store (src/metrics/logs/*.ts).
 */
export interface SessionLogSource {
  /** The store as shown to the user. */
  readonly shown: string;
  /** The issue's status, or null when the store does not know it. */
  issueStatus(id: string): Promise<IssueStatus | null>;
  /** Its sessions, oldest first. */
  sessionsOf(issueId: string): Promise<LoggedSession[]>;
  /** Whether the session has ended, is still run, or is open with nothing running it (and what ends that). */
  now(session: SessionRow): Promise<SessionNow>;
  close(): Promise<void>;
}
