import type { CoordinatorRow } from '../store/ports.js';
import { terminalSafe } from '../text/escape.js';
import { coordinatorStatus, type CoordinatorFigures } from './coordinators.js';
import { formatMs, Table } from './render.js';

/**
 * A fleet's coordinators as text tables: the breakdown under `harness
 * metrics --store` and the listing of `harness status`. Pure: no colour,
 * no escape codes; hosts and reasons from the store are escaped.
 */

const STYLE = { head: [], border: [], compact: true };

/** `4.2s ago`; ages are the database's, so hosts whose clocks disagree still agree on them. */
export function formatAge(ms: number): string {
  return `${formatMs(ms)} ago`;
}

/** One row per coordinator: where it runs, its state and heartbeat, its workers, its sessions in the window, its throughput. */
export function renderCoordinatorTable(coordinators: readonly CoordinatorFigures[]): string {
  const table = new (Table())({ head: ['host', 'pid', 'state', 'heartbeat', 'workers', 'done', 'failed', 'lost', 'throughput'], style: STYLE });
  for (const c of coordinators) {
    const workers = `${c.workers.busy} busy / ${c.workers.idle} idle` + (c.workers.stalled ? `, ${c.workers.stalled} stalled` : '');
    table.push([terminalSafe(c.host), String(c.pid), c.status, formatAge(c.heartbeatAgeMs), workers, String(c.done), String(c.failed), String(c.lost), `${round(c.throughputPerMinute)}/min`]);
  }
  return table.toString();
}

/** `harness status`: every coordinator the fleet's table records, live ones first. */
export function renderStatusTable(rows: readonly CoordinatorRow[]): string {
  const table = new (Table())({
    head: ['id', 'host', 'pid', 'version', 'state', 'heartbeat', 'lease', 'max workers', 'running', 'started (UTC)', 'ended by'],
    style: STYLE,
  });
  for (const r of rows) {
    table.push([
      terminalSafe(r.id),
      terminalSafe(r.host),
      String(r.pid),
      terminalSafe(r.version),
      coordinatorStatus(r),
      formatAge(r.heartbeatAgeMs),
      formatMs(r.leaseMs),
      String(r.maxWorkers),
      String(r.running),
      utc(r.startedAt),
      r.endedBy === null ? '' : terminalSafe(r.endedBy),
    ]);
  }
  return table.toString();
}

function utc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
