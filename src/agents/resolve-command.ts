import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';

/** A path as a user would type it into a shell: bare when that is safe, else single-quoted. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

type Candidate = 'executable' | 'not-executable' | 'directory' | 'missing';

function inspect(path: string): Candidate {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    return 'missing';
  }
  if (isDirectory) return 'directory';
  try {
    accessSync(path, constants.X_OK);
    return 'executable';
  } catch {
    return 'not-executable';
  }
}

function notExecutable(shown: string, path: string, viaPath: boolean): UsageError {
  const interpreted = viaPath ? shellWord(path) : shown;
  return new UsageError(`agent command ${shown} is not executable: chmod +x ${shellWord(path)} (or run it through its interpreter, e.g. --agent "sh ${interpreted}")`);
}

/**
 * The agent command with its program resolved once, from the directory
 * harness was started in, before any session starts: sessions run in other
 * directories (worktrees), where `./agent.sh` or `bin/agent` would not be
 * found. A path (anything with a `/`) becomes absolute; a bare name is
 * looked up on PATH and kept as it is, unless it was found through a
 * relative PATH entry, which a session elsewhere would not see the same.
 * Throws a UsageError saying what is wrong: empty, not found, a directory,
 * or not executable.
 */
export function resolveAgentCommand(command: readonly string[], context: { cwd: string; env: NodeJS.ProcessEnv }): string[] {
  const [program, ...args] = command;
  if (!program) throw new UsageError('agent.command is empty: set it in the config file or pass --agent "<command line>"');
  const fix = 'Install it, or set agent.command in the config file or --agent "<command line>"';

  if (program.includes('/')) {
    const path = resolve(context.cwd, program);
    const found = inspect(path);
    if (found === 'executable') return [path, ...args];
    if (found === 'not-executable') throw notExecutable(program, path, false);
    if (found === 'directory') throw new UsageError(`agent command ${program} is a directory: pass the program to run, e.g. --agent "${program.replace(/\/$/, '')}/agent"`);
    throw new UsageError(`agent command not found: ${program}${isAbsolute(program) ? '' : ` (looked for ${path})`}. ${fix}`);
  }

  let firstNotExecutable: string | null = null;
  for (const dir of (context.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const path = resolve(context.cwd, join(dir, program));
    const found = inspect(path);
    if (found === 'executable') return isAbsolute(dir) ? [program, ...args] : [path, ...args];
    if (found === 'not-executable') firstNotExecutable ??= path;
  }
  if (firstNotExecutable !== null) throw notExecutable(program, firstNotExecutable, true);
  throw new UsageError(`agent command not found: ${program} (not on PATH). ${fix}`);
}
