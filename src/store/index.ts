/** The durable state of a run: its ports, and their SQLite and in-memory implementations. */
export type * from './types.js';
export type * from './ports.js';
export { REPORT_STATES } from './types.js';
export { SqliteStore } from './sqlite/index.js';
export { MemoryStore, type MemoryStoreOptions } from './memory/index.js';
export { openStore } from './open.js';
export { HARNESS_APPLICATION_ID, LATEST_SCHEMA_VERSION, MIGRATIONS, migrate, schemaVersion, type Migration } from './sqlite/migrations.js';
export { FOREIGN_LOCK_STALE_MS, LOCK_STALE_MS, holderState, judgeRunLock, type HolderState, type LockProbe, type LockVerdict } from './run-lock.js';
export { latestBackup } from './sqlite/open.js';
