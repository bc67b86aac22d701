import { existsSync } from 'node:fs';
import Table from 'cli-table3';
import type { IssueStatus, SessionOutcome } from '../core/states.js';
import { UsageError } from '../errors.js';
import { terminalSafe } from '../text/escape.js';
import type { StoreQueries } from './queries.js';
import { formatMs, formatUsd } from './render.js';
import { formatTimestamp } from './render-report.js';

/** `harness metrics --issue <id>`: one issue and every session it has had. */
export interface IssueReport {
  id: string;
  title: string;
  status: IssueStatus;
  priority: number;
  /** Attempts spent (cancelled and lost sessions give theirs back). */
  attempts: number;
  lastError: string | null;
  branch: string | null;
  /** What the issue's sessions have spent, as their agents reported it (USD, and input + output tokens). */
  spentUsd: number;
  spentTokens: number;
  /** When the figures were read (ms); a running session's duration runs up to here. */
  now: number;
  sessions: IssueAttempt[];
}

export interface IssueAttempt {
  sessionId: string;
  attempt: number;
  workerId: string;
  startedAt: number;
  /** null while the session runs. */
  endedAt: number | null;
  /** Until endedAt, or until `now` while it runs. */
  durationMs: number;
  /** null while the session runs. */
  outcome: SessionOutcome | null;
  exitCode: number | null;
  signal: string | null;
  reason: string | null;
  /** The session's log file; null when it has none. */
  logPath: string | null;
  /** Set when the session has a log path but no file there: its agent printed nothing (so far, while it runs). */
  noOutput?: true;
  /** What the agent reported (structured formats), null otherwise: its own session id, the model, turns, spend, its error kind. */
  agentSessionId: string | null;
  model: string | null;
  turns: number | null;
  costUsd: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  agentError: string | null;
}

/** `hasLog` tells whether a session's log file is there (a log is made at the agent's first output). */
export function buildIssueReport(queries: StoreQueries, id: string, now: number, state: string, hasLog: (path: string) => boolean = existsSync): IssueReport {
  return queries.snapshot(() => {
    const issue = queries.issue(id);
    if (!issue) throw new UsageError(`no issue ${JSON.stringify(id)} in ${state}: pass an id from the issues file this store was run with`);
    return {
      id: issue.id,
      title: issue.title,
      status: issue.status,
      priority: issue.priority,
      // Before a retry too: the attempts its sessions are numbered by.
      attempts: issue.priorAttempts + issue.attempts,
      lastError: issue.lastError,
      branch: issue.branch,
      spentUsd: issue.spentUsd,
      spentTokens: issue.spentTokens,
      now,
      sessions: queries.sessionsForIssue(id).map((s) => ({
        sessionId: s.id,
        attempt: s.attempt,
        workerId: s.workerId,
        startedAt: s.startedAt,
        endedAt: s.endedAt,
        durationMs: Math.max(0, (s.endedAt ?? now) - s.startedAt),
        outcome: s.outcome,
        exitCode: s.exitCode,
        signal: s.signal,
        reason: s.reason,
        ...(s.logPath !== null && !hasLog(s.logPath) ? { logPath: null, noOutput: true as const } : { logPath: s.logPath }),
        agentSessionId: s.usage?.agentSessionId ?? null,
        model: s.usage?.model ?? null,
        turns: s.usage?.turns ?? null,
        costUsd: s.usage?.costUsd ?? null,
        inputTokens: s.usage ? s.usage.inputTokens : null,
        outputTokens: s.usage ? s.usage.outputTokens : null,
        cacheReadTokens: s.usage ? s.usage.cacheReadTokens : null,
        cacheWriteTokens: s.usage ? s.usage.cacheWriteTokens : null,
        agentError: s.usage?.agentError ?? null,
      })),
    };
  });
}

export function renderIssueReport(report: IssueReport): string {
  // Every text field came from an issues file or an agent's exit: escaped, so none can move the cursor or forge a line.
  const safe = terminalSafe;
  const lines = [
    `issue ${safe(report.id)}: ${safe(report.title)}`,
    `status ${report.status} · priority ${report.priority} · ${report.attempts} attempt(s) spent` +
      (report.branch ? ` · branch ${safe(report.branch)}` : '') +
      (report.spentUsd > 0 || report.spentTokens > 0 ? ` · spent ${formatUsd(report.spentUsd)}, ${report.spentTokens} tokens` : ''),
  ];
  if (report.lastError) lines.push(`last error: ${safe(report.lastError)}`);
  if (report.sessions.length === 0) {
    lines.push('no sessions yet');
    return lines.join('\n');
  }
  // Cost and tokens only for an agent whose output is read: a plain command reports neither.
  const spend = report.sessions.some((s) => s.inputTokens !== null || s.costUsd !== null);
  const table = new Table({
    head: ['attempt', 'worker', 'started (UTC)', 'duration', 'outcome', 'exit', ...(spend ? ['cost', 'tokens in/out'] : []), 'log'],
    style: { head: [], border: [], compact: true },
  });
  for (const s of report.sessions) {
    const costs = spend ? [s.costUsd === null ? '—' : formatUsd(s.costUsd), s.inputTokens === null ? '—' : `${s.inputTokens}/${s.outputTokens ?? 0}`] : [];
    table.push([
      String(s.attempt),
      safe(s.workerId),
      formatTimestamp(s.startedAt).replace(' UTC', ''),
      s.endedAt === null ? `${formatMs(s.durationMs)} so far` : formatMs(s.durationMs),
      s.outcome ?? 'running',
      s.signal ? safe(s.signal) : s.exitCode === null ? '—' : `code ${s.exitCode}`,
      ...costs,
      s.noOutput ? (s.endedAt === null ? '(no output yet)' : '(no output)') : s.logPath ? safe(s.logPath) : '—',
    ]);
  }
  lines.push(table.toString());
  // Why each attempt that did not succeed ended; a success needs no explaining.
  for (const s of report.sessions) if (s.reason && s.outcome !== 'success') lines.push(`  attempt ${s.attempt}: ${s.outcome}, ${safe(s.reason)}`);
  return lines.join('\n');
}
