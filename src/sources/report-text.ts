/**
 * What a report to the tracker says: one paragraph, from what the store
 * recorded of the issue, with a marker naming the report, so that after a
 * crash the report can be found in the tracker and is not sent twice.
 */
import type { IssueRow, SessionRow } from '../store/types.js';
import { terminalSafeText } from '../text/escape.js';

/** Written at the end of every report: `[harness report 12]`. */
export function reportMarker(id: number): string {
  return `[harness report ${id}]`;
}

/** Text quoted from an agent or an error, kept short and free of control characters. */
const QUOTE_MAX = 500;

/**
 * `done`: the session that finished it, its last message and its log;
 * `failed`: why, after how many attempts, and where the last log is (a
 * session that printed nothing has no log: the caller leaves its path out).
 */
export function reportText(kind: 'done' | 'failed', issue: IssueRow, sessions: readonly SessionRow[], pullRequest: string | null): string {
  const last = [...sessions].reverse().find((s) => s.endedAt !== null) ?? null;
  const log = last?.logPath ? ` Log: ${last.logPath}.` : '';
  if (kind === 'done') {
    const took = last && last.endedAt !== null ? ` in ${seconds(last.endedAt - last.startedAt)}` : '';
    const said = last?.activity?.text ? ` The agent's last message: ${quote(last.activity.text)}` : '';
    const pr = pullRequest ? ` Pull request: ${pullRequest}.` : '';
    const attempt = last ? `attempt ${last.attempt}, session ${last.id}` : 'no session';
    return `Done by harness (${attempt}${took}).${pr}${said}${log}`;
  }
  const attempts = issue.priorAttempts + issue.attempts;
  if (attempts === 0 && sessions.length === 0 && issue.lastError) return `harness did not start this issue: ${quote(issue.lastError)}${/[.!?]$/.test(issue.lastError) ? '' : '.'}`;
  const why = issue.lastError ? quote(issue.lastError) : 'no reason was recorded';
  return `harness could not finish this issue after ${attempts} attempt(s): ${why}${/[.!?]$/.test(why) ? '' : '.'}${log}`;
}

function quote(text: string): string {
  const one = terminalSafeText(text).replace(/\s+/g, ' ').trim();
  return one.length > QUOTE_MAX ? `${one.slice(0, QUOTE_MAX - 1)}…` : one;
}

function seconds(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}
