import type { IssueStatus } from '../../core/states.js';
import { SESSION_COLUMNS, toSession, type SessionRecord } from '../../store/postgres/rows.js';
import type { PgReader } from '../pg/reader.js';
import type { SessionLogSource } from './source.js';

const S_COLUMNS = SESSION_COLUMNS.split(',').map((c) => `s.${c.trim()}`).join(', ');

/**
 * A fleet's sessions, from its PostgreSQL store: each log is on the host
 * of the coordinator that ran the session. A session stays open while its
 * coordinator is live; once that one has ended or died, the fleet
 * requeues it (at the latest when the coordinator's lease runs out).
 */
export function fleetLogs(reader: PgReader): SessionLogSource {
  return {
    shown: reader.location,
    issueStatus: (id) => reader.read(async (tx) => (await tx.row<{ status: IssueStatus }>('SELECT status FROM issues WHERE id = $1', [id]))?.status ?? null),
    sessionsOf: (issueId) =>
      reader.read(async (tx) =>
        (
          await tx.rows<SessionRecord & { host: string | null }>(
            `SELECT ${S_COLUMNS}, c.host FROM sessions s LEFT JOIN coordinators c ON c.id = s.coordinator_id WHERE s.issue_id = $1 ORDER BY s.started_at, s.attempt`,
            [issueId],
          )
        ).map((r) => ({ ...toSession(r), host: r.host })),
      ),
    now: (session) =>
      reader.read(async (tx) => {
        const r = await tx.row<{ ended_at: number | null; coordinator: string | null; state: string | null; age_ms: number | null; lease_ms: number | null }>(
          `SELECT s.ended_at, s.coordinator_id AS coordinator, c.state, extract(epoch FROM clock_timestamp() - c.heartbeat_at) * 1000 AS age_ms, c.lease_ms
           FROM sessions s LEFT JOIN coordinators c ON c.id = s.coordinator_id WHERE s.id = $1`,
          [session.id],
        );
        if (!r || r.ended_at !== null) return { state: 'ended' };
        if (r.coordinator === null) return { state: 'running' };
        const late = r.state === 'live' && r.age_ms !== null && r.lease_ms !== null && Number(r.age_ms) > r.lease_ms;
        if (late) {
          return {
            state: 'orphaned',
            why: `the session is still open but its coordinator ${r.coordinator} has not renewed its lease for ${Math.round(Number(r.age_ms) / 1000)} s (lease ${Math.round(r.lease_ms! / 1000)} s); the fleet requeues it as lost once another coordinator declares that one dead`,
          };
        }
        if (r.state === 'live') return { state: 'running' };
        return { state: 'orphaned', why: `the session is still open but its coordinator ${r.coordinator} is ${r.state}; the fleet requeues it as lost when that one's lease runs out` };
      }),
    close: () => reader.close(),
  };
}
