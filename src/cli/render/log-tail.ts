import { existsSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { readLogTail } from '../../agents/log-tail.js';
import type { RunSummary } from '../../runtime/coordinator-types.js';
import type { SessionRow } from '../../store/types.js';
import { terminalSafe } from '../../text/escape.js';

/** Lines of a failed issue's log shown with its failure. */
export const FAILURE_TAIL_LINES = 5;
/** Characters of one tail line shown; the rest is cut with an ellipsis. */
const TAIL_LINE_CHARS = 240;

/** A failed issue as `harness run` reports it: the reason, its latest log and that log's last lines (escaped). */
export interface FailureDetail {
  id: string;
  reason: string | null;
  /** The log of the issue's latest session (absolute), or null when it has none. */
  log: string | null;
  /** Its last non-blank lines, control characters escaped; empty when the log is empty or unreadable. */
  logTail: string[];
  /** Set when that session printed nothing, so it has no log file (`log` is null). */
  noOutput?: true;
}

/** The failures of a run summary with where to look: each issue's latest log and its last lines. */
export function describeFailures(
  failures: RunSummary['failures'],
  sessionsOf: (issueId: string) => SessionRow[],
  hasLog: (path: string) => boolean = existsSync,
): FailureDetail[] {
  return failures.map((failure) => {
    const log = sessionsOf(failure.id).filter((s) => s.logPath !== null).at(-1)?.logPath ?? null;
    // A log is made at the agent's first output.
    if (log !== null && !hasLog(log)) return { ...failure, log: null, logTail: [], noOutput: true };
    const tail = log === null ? [] : (readLogTail(log, FAILURE_TAIL_LINES) ?? []);
    return { ...failure, log, logTail: tail.map((line) => cut(terminalSafe(line))) };
  });
}

function cut(line: string): string {
  return line.length <= TAIL_LINE_CHARS ? line : `${line.slice(0, TAIL_LINE_CHARS - 1)}…`;
}

/** A path as shown to the user: relative to `cwd` when inside it. */
export function shownPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** The lines under `failed <id>: <reason>` in the final summary: the log, then its tail, indented. */
export function renderFailureDetail(failure: FailureDetail, cwd?: string): string[] {
  if (failure.noOutput) return ['    log: (no output)'];
  if (failure.log === null) return [];
  const lines = [`    log: ${terminalSafe(cwd === undefined ? failure.log : shownPath(failure.log, cwd))}${failure.logTail.length === 0 ? ' (empty)' : `, last ${failure.logTail.length} line(s):`}`];
  for (const line of failure.logTail) lines.push(`      | ${line}`);
  return lines;
}
