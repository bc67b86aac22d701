import type { CoordinatorRow } from '../../store/ports.js';
import { coordinatorStatus, type CoordinatorStatus } from '../coordinators.js';
import { FLEET_CAP } from '../../store/postgres/fleet.js';
import { coordinators } from './queries.js';
import type { PgReader } from './reader.js';

/** `harness status` of a fleet: its store (URL masked) and every coordinator its table records, live ones first. */
export interface FleetStatus {
  store: string;
  /** Sessions the fleet runs at most: the tightest fleet.maxWorkers of its live coordinators (null: no cap). */
  fleetMaxWorkers: number | null;
  coordinators: (CoordinatorRow & { status: CoordinatorStatus })[];
}

export async function readFleetStatus(reader: PgReader): Promise<FleetStatus> {
  const { rows, cap } = await reader.read(async (tx) => ({ rows: await coordinators(tx), cap: (await tx.row<{ cap: number | null }>(FLEET_CAP))?.cap ?? null }));
  return { store: reader.location, fleetMaxWorkers: cap, coordinators: rows.map((r) => ({ ...r, status: coordinatorStatus(r) })) };
}
