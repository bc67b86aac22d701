import type { CoordinatorRow } from '../../store/ports.js';
import { coordinatorStatus, type CoordinatorStatus } from '../coordinators.js';
import { coordinators } from './queries.js';
import type { PgReader } from './reader.js';

/** `harness status` of a fleet: its store (URL masked) and every coordinator its table records, live ones first. */
export interface FleetStatus {
  store: string;
  coordinators: (CoordinatorRow & { status: CoordinatorStatus })[];
}

export async function readFleetStatus(reader: PgReader): Promise<FleetStatus> {
  const rows = await reader.read(coordinators);
  return { store: reader.location, coordinators: rows.map((r) => ({ ...r, status: coordinatorStatus(r) })) };
}
