/**
 * `harness metrics --store` and `harness status`: a fleet's PostgreSQL
 * store read through a read-only connection, into the shapes the state
 * file's readers answer with (the report, its Prometheus exposition, the
 * coordinators).
 */
export { PgReader, type PgReaderOptions, type ReadTx } from './reader.js';
export { buildFleetReport, collectFleetPrometheus } from './report.js';
export { readFleetStatus, type FleetStatus } from './status.js';
