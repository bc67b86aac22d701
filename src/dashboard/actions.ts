/**
 * `POST /api/actions`: an operator's request, checked and posted to the
 * store for the running harness to take (src/runtime/controls.ts). Only
 * with `--allow-actions`; every request carries the token in a header and
 * a JSON body, which a page on another site can send only through a
 * preflight this server never grants. The answer is the request as posted
 * (202): what came of it shows in the event feed once the run answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isControlKind, TARGETED_CONTROLS, type ControlKind } from '../core/controls.js';
import type { Controls } from '../store/ports.js';
import { requestToken, tokenMatches } from './auth.js';
import { fail, json } from './reply.js';

const BODY_MAX = 4096;
const TARGET_MAX = 500;

/** Where requests are posted: a SQLite store answers at once, a PostgreSQL one with a promise. */
export interface ControlPoster {
  postControl(request: Parameters<Controls['postControl']>[0]): ReturnType<Controls['postControl']> | Promise<ReturnType<Controls['postControl']>>;
}

export interface ActionContext {
  token: string | null;
  controls: ControlPoster | null;
  now: () => number;
  /** Whether a harness run holds the state now (on PostgreSQL: a coordinator of the fleet is live): only a running harness takes requests. */
  live: () => Promise<boolean>;
}

export function answerAction(request: IncomingMessage, response: ServerResponse, context: ActionContext): void {
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST');
    return fail(response, 405, `method ${request.method} not allowed here: actions are POST requests`);
  }
  const { controls, token } = context;
  if (controls === null || token === null) return fail(response, 403, 'actions are off: start the dashboard with --allow-actions to pause, resume, cancel, retry or lift holds from it');
  if (!tokenMatches(requestToken(request, new URL(request.url ?? '/', 'http://dashboard.invalid'), false), token)) {
    return fail(response, 401, 'an action needs the token harness printed at start, in the X-Harness-Token header');
  }
  if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) return fail(response, 415, 'an action is a JSON body: send Content-Type: application/json');
  readBody(request, (body) => {
    if (body === null) return fail(response, 413, `an action's body is at most ${BODY_MAX} bytes`);
    const parsed = parseAction(body);
    if ('error' in parsed) return fail(response, 400, parsed.error);
    void post(parsed, controls, context, response).catch((error: unknown) => fail(response, 503, `the request was not posted: ${error instanceof Error ? error.message : String(error)}`));
  });
}

async function post(action: { kind: ControlKind; target: string | null }, controls: ControlPoster, context: ActionContext, response: ServerResponse): Promise<void> {
  if (!(await context.live())) {
    return fail(response, 409, 'no harness run is live on this state, so nothing would take the request; to retry a failed issue without a run, use `harness retry <id>`');
  }
  const posted = await controls.postControl({ kind: action.kind, target: action.target, requestedAt: context.now(), requestedBy: 'the dashboard' });
  json(response, 202, JSON.stringify({ request: posted }));
}

/** The action a body asks for, or what is wrong with it. */
export function parseAction(body: string): { kind: ControlKind; target: string | null } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { error: 'the body is not JSON: send {"kind": "pause"}, or {"kind": "cancel-session", "target": "<session id>"}' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'expected a JSON object such as {"kind": "pause"}' };
  const { kind, target } = value as { kind?: unknown; target?: unknown };
  if (!isControlKind(kind)) return { error: `kind: expected one of pause, resume, cancel-session, retry-issue, lift-hold, received ${JSON.stringify(kind) ?? 'nothing'}` };
  if (!TARGETED_CONTROLS.has(kind)) {
    if (target !== undefined && target !== null) return { error: `${kind} takes no target` };
    return { kind, target: null };
  }
  if (typeof target !== 'string' || target === '' || target.length > TARGET_MAX) {
    return { error: `${kind} needs a target: ${kind === 'cancel-session' ? 'a session id' : kind === 'retry-issue' ? 'an issue id' : "a hold's kind"} (a string of 1 to ${TARGET_MAX} characters)` };
  }
  return { kind, target };
}

function readBody(request: IncomingMessage, done: (body: string | null) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > BODY_MAX) over = true;
    else chunks.push(chunk);
  });
  request.on('end', () => done(over ? null : Buffer.concat(chunks).toString('utf8')));
}
