import { sep } from 'node:path';
import type { IssueStatus, SessionOutcome } from '../../core/states.js';
import type { IssueRow, SessionRow, AgentUsage, ControlRequestRow, HoldRow } from '../types.js';
import type { ControlKind } from '../../core/controls.js';

/** Rows as SQLite returns them (snake_case, booleans as 0/1, labels as JSON), and their mapping to the contract's types. */

export interface IssueRecord {
  id: string;
  title: string;
  body: string;
  priority: number;
  labels: string;
  status: IssueStatus;
  attempts: number;
  prior_attempts: number;
  seq: number;
  created_at: number;
  updated_at: number;
  not_before: number | null;
  last_error: string | null;
  branch: string | null;
  resume_from: string | null;
  spent_usd: number;
  spent_tokens: number;
}

export interface SessionRecord {
  id: string;
  issue_id: string;
  worker_id: string;
  attempt: number;
  pid: number | null;
  pgid: number | null;
  started_at: number;
  last_progress_at: number;
  /** Absent from stores before schema 6, read without migrating. */
  stalled_at?: number | null;
  ended_at: number | null;
  outcome: SessionOutcome | null;
  exit_code: number | null;
  signal: string | null;
  log_path: string | null;
  reason: string | null;
  agent_session_id: string | null;
  model: string | null;
  turns: number | null;
  cost_usd: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  agent_error: string | null;
  /** Absent from stores before schema 9, read without migrating. */
  last_activity?: string | null;
  last_activity_at?: number | null;
}

export interface HoldRecord {
  kind: string;
  reason: string;
  fix: string;
  since: number;
  until: number | null;
  ended_at: number | null;
  ended_by: string | null;
}

export function toHold(r: HoldRecord): HoldRow {
  return { kind: r.kind, reason: r.reason, fix: r.fix, since: r.since, until: r.until, endedAt: r.ended_at, endedBy: r.ended_by };
}

/** What the agent reported of a session, or null when nothing was read from it. */
function toUsage(r: SessionRecord): AgentUsage | null {
  if (r.agent_session_id == null && r.cost_usd == null && r.input_tokens == null && r.agent_error == null && r.model == null) return null;
  return {
    agentSessionId: r.agent_session_id ?? null,
    model: r.model ?? null,
    turns: r.turns ?? null,
    costUsd: r.cost_usd ?? null,
    inputTokens: r.input_tokens ?? 0,
    outputTokens: r.output_tokens ?? 0,
    cacheReadTokens: r.cache_read_tokens ?? 0,
    cacheWriteTokens: r.cache_write_tokens ?? 0,
    agentError: r.agent_error ?? null,
  };
}

export const ISSUE_COLUMNS =
  'id, title, body, priority, labels, status, attempts, prior_attempts, seq, created_at, updated_at, not_before, last_error, branch, resume_from, spent_usd, spent_tokens';

export const SESSION_COLUMNS =
  'id, issue_id, worker_id, attempt, pid, pgid, started_at, last_progress_at, stalled_at, ended_at, outcome, exit_code, signal, log_path, reason, ' +
  'agent_session_id, model, turns, cost_usd, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, agent_error, ' +
  'last_activity, last_activity_at';


export function toIssue(r: IssueRecord): IssueRow {
  return {
    id: r.id,
    title: r.title,
    body: r.body,
    priority: r.priority,
    labels: JSON.parse(r.labels) as string[],
    status: r.status,
    attempts: r.attempts,
    priorAttempts: r.prior_attempts,
    seq: r.seq,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    notBefore: r.not_before,
    lastError: r.last_error,
    branch: r.branch,
    resumeFrom: r.resume_from ?? null,
    spentUsd: r.spent_usd ?? 0,
    spentTokens: r.spent_tokens ?? 0,
  };
}

/** How a stored log path names the state file it belongs to, whatever that file is called now. */
const STATE_PREFIX = '<state>';

/**
 * A log path in the state's own log directory (`<state file>.logs/…`) is
 * stored as `<state>.logs/…`, and handed out with the state file's current
 * path in its place: a state moved aside with its logs (`harness run
 * --fresh`, or by hand) still names them. Other paths are kept as they are.
 */
export function storedLogPath(statePath: string | null, logPath: string | null): string | null {
  if (logPath === null || statePath === null || !logPath.startsWith(`${statePath}.logs${sep}`)) return logPath;
  return STATE_PREFIX + logPath.slice(statePath.length).split(sep).join('/');
}

function shownLogPath(statePath: string | null, stored: string | null): string | null {
  if (stored === null || statePath === null || !stored.startsWith(`${STATE_PREFIX}.logs/`)) return stored;
  return statePath + stored.slice(STATE_PREFIX.length).split('/').join(sep);
}

/** `statePath`: the state file's absolute path, which stored log paths are written against (see storedLogPath). */
export function toSession(r: SessionRecord, statePath: string | null = null): SessionRow {
  return {
    id: r.id,
    issueId: r.issue_id,
    workerId: r.worker_id,
    attempt: r.attempt,
    pid: r.pid,
    pgid: r.pgid,
    startedAt: r.started_at,
    lastProgressAt: r.last_progress_at,
    stalledAt: r.stalled_at ?? null,
    endedAt: r.ended_at,
    outcome: r.outcome,
    exitCode: r.exit_code,
    signal: r.signal,
    logPath: shownLogPath(statePath, r.log_path),
    reason: r.reason,
    usage: toUsage(r),
    ...(r.last_activity_at != null ? { activity: { at: r.last_activity_at, text: r.last_activity ?? null } } : {}),
  };
}

export interface ControlRequestRecord {
  id: number;
  kind: ControlKind;
  target: string | null;
  requested_at: number;
  requested_by: string;
  taken_at: number | null;
  answered_at: number | null;
  applied: number | null;
  result: string | null;
}

export const CONTROL_COLUMNS = 'id, kind, target, requested_at, requested_by, taken_at, answered_at, applied, result';

export function toControl(r: ControlRequestRecord): ControlRequestRow {
  return {
    id: r.id,
    kind: r.kind,
    target: r.target,
    requestedAt: r.requested_at,
    requestedBy: r.requested_by,
    takenAt: r.taken_at,
    answeredAt: r.answered_at,
    applied: r.applied === null ? null : r.applied !== 0,
    result: r.result,
  };
}

export * from './record-rows.js';
