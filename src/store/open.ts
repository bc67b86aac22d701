import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from '../errors.js';
import { IN_MEMORY } from './sqlite/open.js';
import { SqliteStore } from './sqlite/index.js';
import { unwritableReason } from './sqlite/writable.js';

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
      const detail = unwritableReason(dirname(path)) ?? (error instanceof Error ? error.message : String(error));
      throw new StoreError(`cannot create the directory for state store ${path}: ${detail}`, { cause: error });
    }
  }
  return new SqliteStore(path);
}
