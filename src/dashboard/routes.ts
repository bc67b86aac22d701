/**
 * The dashboard's read answers besides the state: a page of issues, one
 * issue, a session's log. A log is a file on the host its session ran on:
 * one written on another host (a fleet's other coordinators) is not read
 * here, and the answer says where it is.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ISSUE_STATUSES, type IssueStatus } from '../core/states.js';
import type { Clock } from '../runtime/clock.js';
import { followLog } from './log-stream.js';
import { fail, json } from './reply.js';
import type { DashboardSource, SessionLocation } from './source.js';
import { sendEvent, startEventStream } from './sse.js';

type Reads = Pick<DashboardSource, 'issuePage' | 'issueDetail' | 'session'>;

export const ISSUE_PAGE_DEFAULT = 100;
export const ISSUE_PAGE_MAX = 500;
const SEARCH_MAX = 200;

/** `GET /api/issues?status=&q=&offset=&limit=`: one page of the issue table, latest changed first. */
export async function answerIssues(url: URL, response: ServerResponse, source: Reads): Promise<void> {
  const p = url.searchParams;
  const status = p.get('status') || null;
  if (status !== null && !(ISSUE_STATUSES as readonly string[]).includes(status)) {
    return fail(response, 400, `status: expected one of ${ISSUE_STATUSES.join(', ')}, received ${JSON.stringify(status)}`);
  }
  const search = (p.get('q') ?? '').slice(0, SEARCH_MAX);
  const offset = whole(p.get('offset'), 0);
  const limit = Math.min(ISSUE_PAGE_MAX, Math.max(1, whole(p.get('limit'), ISSUE_PAGE_DEFAULT)));
  const page = await source.issuePage({ status: status as IssueStatus | null, search, offset, limit });
  json(response, 200, JSON.stringify({ ...page, offset, limit }));
}

/** `GET /api/issues/<id>`: one issue with all its sessions and merge entries. */
export async function answerIssue(id: string, response: ServerResponse, source: Reads): Promise<void> {
  const detail = await source.issueDetail(id);
  if (!detail) return fail(response, 404, `no issue ${JSON.stringify(id)} in this state`);
  json(response, 200, JSON.stringify(detail));
}

/** Where a session's log is, as the log answers need it. */
export interface LogContext {
  source: Reads;
  /** This host's name: a log written on another is not here to read. */
  hostname: string;
  clock: Clock;
  pollMs: number;
}

/** The host a session's log is on when that is not this one, else null. */
function elsewhere(found: SessionLocation, hostname: string): string | null {
  return found.host !== null && found.host !== hostname ? found.host : null;
}

/** `GET /api/sessions/<id>/log`: the log followed live, as server-sent events, until the session ends. */
export async function answerLog(sessionId: string, _request: IncomingMessage, response: ServerResponse, context: LogContext): Promise<{ stop(): void } | null> {
  const found = await context.source.session(sessionId);
  if (!found) {
    fail(response, 404, `no session ${JSON.stringify(sessionId)} in this state`);
    return null;
  }
  startEventStream(response, {});
  const host = elsewhere(found, context.hostname);
  if (host !== null) {
    // Not a failure: the page says where the log is, and the stream ends rather than reconnect.
    sendEvent(response, 'end', { outcome: found.session.outcome, noOutput: true, elsewhere: host });
    response.end();
    return null;
  }
  const reread = async () => (await context.source.session(sessionId))?.session;
  return followLog(response, { session: found.session, reread, clock: context.clock, pollMs: context.pollMs });
}

/** `GET /api/sessions/<id>/log.txt`: the whole log as the agent wrote it, as plain text that no browser runs. */
export async function answerLogText(sessionId: string, response: ServerResponse, context: Pick<LogContext, 'source' | 'hostname'>): Promise<void> {
  const found = await context.source.session(sessionId);
  if (!found) return fail(response, 404, `no session ${JSON.stringify(sessionId)} in this state`);
  const { session } = found;
  const host = elsewhere(found, context.hostname);
  if (host !== null) return fail(response, 404, `this session ran on ${host}, and its log is a file there: run \`harness logs\` or the dashboard on ${host} to read it`);
  if (session.logPath === null) return fail(response, 404, 'this session ran without a log directory');
  const stream = createReadStream(session.logPath);
  stream.once('error', (error: NodeJS.ErrnoException) => fail(response, 404, error.code === 'ENOENT' ? 'no output: the agent printed nothing (a log is made at its first output)' : `cannot read the log: ${error.code ?? error.message}`));
  stream.once('open', () => {
    response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Disposition': 'inline' });
    stream.pipe(response);
  });
}

function whole(text: string | null, fallback: number): number {
  if (text === null || !/^\d{1,9}$/.test(text)) return fallback;
  return Number(text);
}
