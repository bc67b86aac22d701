import { join } from 'node:path';
import type { IssueRow } from '../store/types.js';
import { sanitizeIssueId } from '../workspace/sanitize.js';
import type { SessionFiles } from './env.js';

/** The files of one session, side by side in the heartbeat directory, named after the session. */
export interface SessionPaths extends SessionFiles {
  /** The rendered prompt: the agent's stdin. */
  promptFile: string;
}

export function sessionPaths(heartbeatDir: string, sessionId: string): SessionPaths {
  const base = join(heartbeatDir, sanitizeIssueId(sessionId));
  return { issueFile: `${base}.issue.json`, heartbeatFile: `${base}.heartbeat`, promptFile: `${base}.prompt` };
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
  if (code === 'ENOENT' || code === 'EACCES') return `agent command not found: ${command} (check agent.command or --agent)`;
  return `could not start agent command ${command}: ${message}`;
}
