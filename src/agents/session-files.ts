import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { IssueRow } from '../store/types.js';
import { sanitizeIssueId } from '../workspace/sanitize.js';
import type { SessionFiles } from './env.js';
import { shellWord } from './resolve-command.js';

/** The files a session shares with its agent, side by side in the heartbeat directory. */
export interface SessionPaths extends SessionFiles {
  /** The rendered prompt, when the agent's stdin is a file. */
  promptFile: string;
}

let runners = 0;

/**
 * A prefix for the session files of one runner: the process id and a count
 * of runners in this process. Worker ids are unique only within one state
 * file, and two runs may share a directory (`--state .harness/a.db` and
 * `.harness/b.db`), so the names need this too.
 */
export function sessionFilePrefix(): string {
  runners += 1;
  return `${process.pid}.${runners}`;
}

/**
 * A worker runs one session at a time, so its sessions share one set of
 * files, named after the runner and the worker and rewritten (truncated) for
 * each session. Creating and deleting files for every session costs the file
 * system more than it seems: ext4, for one, searches past recently deleted
 * inodes when it allocates new ones. The runner removes the files when it is
 * closed.
 */
export function sessionPaths(heartbeatDir: string, prefix: string, workerId: string): SessionPaths {
  const base = join(heartbeatDir, `${prefix}-${sanitizeIssueId(workerId)}`);
  return { issueFile: `${base}.issue.json`, heartbeatFile: `${base}.heartbeat`, promptFile: `${base}.prompt` };
}

/**
 * Remove the session files that a harness killed with SIGKILL left behind:
 * those whose process is not `alive`. Files of live runs stay.
 */
export function removeStaleSessionFiles(heartbeatDir: string, alive: (pid: number) => boolean): void {
  let names: string[];
  try {
    names = readdirSync(heartbeatDir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^(\d+)\.\d+-/.exec(name)?.[1];
    if (pid === undefined || alive(Number(pid))) continue;
    rmSync(join(heartbeatDir, name), { force: true });
  }
}

/** Remove session files a runner wrote; ones already gone (the agent may remove its heartbeat) are fine. */
export function removeSessionFiles(paths: Iterable<SessionPaths>): void {
  for (const set of paths) {
    for (const file of [set.issueFile, set.heartbeatFile, set.promptFile]) rmSync(file, { force: true });
  }
}

/** What HARNESS_ISSUE_FILE holds: the whole issue row, as JSON. */
export function issueFileText(issue: IssueRow): string {
  return `${JSON.stringify(issue, null, 2)}\n`;
}

/**
 * The message for an agent that could not be started, from the error code
 * (ENOENT, EACCES, ...) and the system's message.
 */
export function describeSpawnFailure(code: string | undefined, message: string, command: string, cwd: string, cwdExists: boolean): string {
  if (code === 'ENOENT' && !cwdExists) return `session working directory does not exist: ${cwd}`;
  if (code === 'ENOENT') return `agent command not found: ${command} (check agent.command or --agent)`;
  if (code === 'EACCES') return `agent command ${command} is not executable: chmod +x ${shellWord(command)} (or check agent.command or --agent)`;
  return `could not start agent command ${command}: ${message}`;
}

/** A spawn error as one line, with what to do about it. */
export function describeSpawnError(error: unknown, command: string, cwd: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return describeSpawnFailure((error as NodeJS.ErrnoException | null)?.code, message, command, cwd, existsSync(cwd));
}
