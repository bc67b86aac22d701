import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from '../errors.js';
import { SqliteStore } from './sqlite.js';

/** SQLite's name for a private, in-memory database. */
const IN_MEMORY = ':memory:';

/**
 * Open (creating if needed) the state store at `path`, making its parent
 * directories first so a fresh checkout needs no setup. `':memory:'` gives a
 * throwaway database.
 */
export function openStore(path: string): SqliteStore {
  if (path !== IN_MEMORY) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new StoreError(`cannot create the directory for state store ${path}: ${detail}`, { cause: error });
    }
  }
  return new SqliteStore(path);
}
