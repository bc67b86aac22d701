/** The dashboard's read answers besides the state: a page of issues, one issue, a session's log. */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ISSUE_STATUSES, type IssueStatus } from '../core/states.js';
import type { FleetQueries } from '../metrics/fleet.js';
import type { Clock } from '../runtime/clock.js';
import { followLog } from './log-stream.js';
import { fail, json } from './reply.js';
import { startEventStream } from './sse.js';

export const ISSUE_PAGE_DEFAULT = 100;
export const ISSUE_PAGE_MAX = 500;
const SEARCH_MAX = 200;

/** `GET /api/issues?status=&q=&offset=&limit=`: one page of the issue table, latest changed first. */
export function answerIssues(url: URL, response: ServerResponse, fleet: FleetQueries): void {
  const p = url.searchParams;
  const status = p.get('status') || null;
  if (status !== null && !(ISSUE_STATUSES as readonly string[]).includes(status)) {
    return fail(response, 400, `status: expected one of ${ISSUE_STATUSES.join(', ')}, received ${JSON.stringify(status)}`);
  }
  const search = (p.get('q') ?? '').slice(0, SEARCH_MAX);
  const offset = whole(p.get('offset'), 0);
  const limit = Math.min(ISSUE_PAGE_MAX, Math.max(1, whole(p.get('limit'), ISSUE_PAGE_DEFAULT)));
  const page = fleet.issuePage({ status: status as IssueStatus | null, search, offset, limit });
  json(response, 200, JSON.stringify({ ...page, offset, limit, version: fleet.issuesVersion() }));
}

/** `GET /api/issues/<id>`: one issue with all its sessions and merge entries. */
export function answerIssue(id: string, response: ServerResponse, fleet: FleetQueries): void {
  const detail = fleet.issueDetail(id);
  if (!detail) return fail(response, 404, `no issue ${JSON.stringify(id)} in this state`);
  json(response, 200, JSON.stringify(detail));
}

/** `GET /api/sessions/<id>/log`: the log followed live, as server-sent events, until the session ends. */
export function answerLog(sessionId: string, _request: IncomingMessage, response: ServerResponse, context: { fleet: FleetQueries; clock: Clock; pollMs: number }): { stop(): void } | null {
  const session = context.fleet.session(sessionId);
  if (!session) {
    fail(response, 404, `no session ${JSON.stringify(sessionId)} in this state`);
    return null;
  }
  startEventStream(response, {});
  return followLog(response, { session, reread: () => context.fleet.session(sessionId), clock: context.clock, pollMs: context.pollMs });
}

/** `GET /api/sessions/<id>/log.txt`: the whole log as the agent wrote it, as plain text that no browser runs. */
export function answerLogText(sessionId: string, response: ServerResponse, fleet: FleetQueries): void {
  const session = fleet.session(sessionId);
  if (!session) return fail(response, 404, `no session ${JSON.stringify(sessionId)} in this state`);
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
