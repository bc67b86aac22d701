/** The durable state of a run: the Store contract, its SQLite and in-memory implementations. */
export type * from './types.js';
export { SqliteStore } from './sqlite.js';
export { MemoryStore } from './memory.js';
export { openStore } from './open.js';
export { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate, schemaVersion, type Migration } from './migrations.js';
export { FOREIGN_LOCK_STALE_MS, mayClaimRunLock } from './run-lock.js';
