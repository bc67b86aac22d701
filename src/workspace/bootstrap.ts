import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarnessError } from '../errors.js';

/** A workspace.copy entry that is not there to copy. Exit 2. */
export class BootstrapError extends HarnessError {
  override readonly exitCode = 2;
}

/**
 * Worktree bootstrap: what a fresh worktree needs that git does not check
 * out. `copy` (an `.env`, local settings) is copied when the worktree is
 * created; `setup` (`npm ci`) runs at the start of its first session, as
 * part of that session, so a slow install neither blocks the coordinator
 * nor looks like a stalled agent (its output is progress in the session log).
 */

/** Refuse to start when a file to copy is missing, rather than give every agent a worktree without it. */
export function checkCopySources(repoDir: string, copy: readonly string[]): void {
  const missing = copy.filter((path) => !existsSync(join(repoDir, path)));
  if (missing.length > 0) {
    throw new BootstrapError(
      `workspace.copy names ${missing.map((p) => JSON.stringify(p)).join(', ')}, which ${missing.length === 1 ? 'does' : 'do'} not exist in ${repoDir}: create ${missing.length === 1 ? 'it' : 'them'} or remove ${missing.length === 1 ? 'it' : 'them'} from workspace.copy`,
    );
  }
}

/** Copy `copy` (paths relative to the project, checked by the config schema) from `repoDir` into `dir`. */
export function copyInto(repoDir: string, dir: string, copy: readonly string[]): void {
  for (const path of copy) cpSync(join(repoDir, path), join(dir, path), { recursive: true, force: true });
}

/** The script that runs the setup command once per worktree, then the agent (see the file). */
export const SETUP_SCRIPT = fileURLToPath(new URL('../../bin/harness-setup.mjs', import.meta.url));

/**
 * The session command with setup in front: `node harness-setup.mjs <setup
 * as JSON> <agent argv…>`. Still no shell: both commands come from the
 * config as argv and are spawned directly.
 */
export function withSetup(setup: readonly string[] | null, agent: readonly string[]): string[] {
  if (!setup || setup.length === 0) return [...agent];
  return [process.execPath, SETUP_SCRIPT, JSON.stringify(setup), ...agent];
}

/** Where the setup script records that a worktree is set up: inside its git directory, invisible to `git status`. */
export const SETUP_MARKER = 'harness-setup-done';

