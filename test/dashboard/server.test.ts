import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAction } from '../../src/dashboard/actions.js';
import { tokenMatches } from '../../src/dashboard/auth.js';
import { startDashboardServer, type DashboardServer, type DashboardServerOptions } from '../../src/dashboard/server.js';
import { realClock } from '../../src/runtime/clock.js';
import type { SqliteStore } from '../../src/store/sqlite/index.js';
import { tempDir } from '../helpers/cli.js';
import { HOSTILE_TITLE, liveState, liveness } from './fixtures.js';

const TOKEN = 'the-token';
let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(options: Partial<DashboardServerOptions> = {}): Promise<{ server: DashboardServer; store: SqliteStore; base: string }> {
  const tmp = tempDir();
  const { store, path } = liveState(tmp.dir, Date.now());
  cleanups.push(() => tmp.cleanup(), () => store.close());
  const server = await startDashboardServer({
    statePath: path,
    shownState: 'state.db',
    port: 0,
    host: '127.0.0.1',
    token: TOKEN,
    controls: store,
    stallTimeoutMs: 30_000,
    clock: realClock,
    liveness,
    updateMs: 50,
    logPollMs: 20,
    ...options,
  });
  cleanups.push(() => server.close());
  return { server, store, base: `http://127.0.0.1:${server.port}` };
}

/** A request with a Host header of our choosing (fetch sets its own). */
function get(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The events of an event stream until `done` says so (or the stream ends). */
async function events(
  url: string,
  done: (events: { name: string; data: unknown }[]) => boolean,
  onEvent: (events: { name: string; data: unknown }[]) => void = () => {},
): Promise<{ name: string; data: unknown }[]> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  const reader = response.body!.getReader();
  const seen: { name: string; data: unknown }[] = [];
  let buffer = '';
  try {
    while (!done(seen)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      buffer += Buffer.from(value).toString();
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const name = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (name && data !== undefined) {
          seen.push({ name, data: JSON.parse(data) });
          onEvent(seen);
        }
      }
    }
  } finally {
    controller.abort();
  }
  return seen;
}

describe('the dashboard server', () => {
  it('serves the page with a content security policy that lets only its own script run, and no data in it', async () => {
    const { base } = await serve();
    const response = await fetch(`${base}/`);
    const html = await response.text();
    const csp = response.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("default-src 'none'");
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toContain('alert(');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    // A fresh nonce for every page.
    const again = (await fetch(`${base}/`)).headers.get('content-security-policy');
    expect(again).not.toBe(csp);
  });

  it('hands the state out as JSON, texts as they are stored (the page shows them as text)', async () => {
    const { base } = await serve();
    const response = await fetch(`${base}/api/state`);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const state = (await response.json()) as { live: boolean; sessions: { title: string }[]; actions: boolean };
    expect(state.live).toBe(true);
    expect(state.actions).toBe(true);
    expect(state.sessions.map((s) => s.title)).toContain(HOSTILE_TITLE);
  });

  it('refuses a request naming another host, as a page that rebound a name to 127.0.0.1 would send', async () => {
    const { server } = await serve();
    expect((await get(server.port, '/api/state', { Host: 'attacker.example' })).status).toBe(403);
    expect((await get(server.port, '/api/state', { Host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('takes an action only with the token in its header and a JSON body, and only while a run is live', async () => {
    const { base, store } = await serve();
    const post = (headers: Record<string, string>, body: string) => fetch(`${base}/api/actions`, { method: 'POST', headers, body });
    const json = { 'Content-Type': 'application/json' };
    expect((await post(json, '{"kind":"pause"}')).status).toBe(401);
    expect((await post({ ...json, 'X-Harness-Token': 'wrong' }, '{"kind":"pause"}')).status).toBe(401);
    expect((await post({ 'Content-Type': 'text/plain', 'X-Harness-Token': TOKEN }, '{"kind":"pause"}')).status).toBe(415);
    expect((await post({ ...json, 'X-Harness-Token': TOKEN }, 'pause')).status).toBe(400);
    expect((await post({ ...json, 'X-Harness-Token': TOKEN }, 'x'.repeat(5000))).status).toBe(413);
    expect(store.listControls(10)).toEqual([]);

    const ok = await post({ ...json, Authorization: `Bearer ${TOKEN}` }, '{"kind":"cancel-session","target":"s-r1"}');
    expect(ok.status).toBe(202);
    expect(store.listControls(10)).toEqual([expect.objectContaining({ kind: 'cancel-session', target: 's-r1', requestedBy: 'the dashboard', takenAt: null })]);

    store.releaseRunLock(process.pid);
    const offline = await post({ ...json, 'X-Harness-Token': TOKEN }, '{"kind":"pause"}');
    expect(offline.status).toBe(409);
    expect(((await offline.json()) as { error: string }).error).toMatch(/no harness run is live.*harness retry/);
  });

  it('refuses every action when actions are not allowed', async () => {
    const { base } = await serve({ token: null, controls: null });
    const response = await fetch(`${base}/api/actions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"kind":"pause"}' });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: string }).error).toMatch(/--allow-actions/);
  });

  it('bound to an address that is not loopback, needs the token for every request', async () => {
    const { server } = await serve({ host: '0.0.0.0', controls: null });
    expect(server.url).toMatch(/\?token=the-token$/);
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/api/state`)).status).toBe(401);
    expect((await fetch(`${base}/api/state?token=nope`)).status).toBe(401);
    expect((await fetch(`${base}/?token=${TOKEN}`)).status).toBe(200);
    expect((await fetch(`${base}/api/state`, { headers: { 'X-Harness-Token': TOKEN } })).status).toBe(200);
    const stream = await events(`${base}/api/stream?token=${TOKEN}`, (seen) => seen.length > 0);
    expect(stream[0]?.name).toBe('state');
  });

  it('refuses to start off loopback without a token', async () => {
    await expect(serve({ host: '0.0.0.0', token: null, controls: null })).rejects.toThrow(/not a loopback address/);
  });

  it("follows a session's log live, escaped, until the session ends", async () => {
    const { base, store, server } = await serve();
    const { appendFileSync } = await import('node:fs');
    let wrote = false;
    // Once the first chunk is out, the agent writes more and the session ends.
    const got = await events(
      `${base}/api/sessions/s-r2/log`,
      (e) => e.some((x) => x.name === 'end'),
      (e) => {
        if (wrote || !e.some((x) => x.name === 'chunk')) return;
        wrote = true;
        appendFileSync(store.getSession('s-r2')!.logPath!, 'third <b>line</b>\n');
        store.finishSession('s-r2', { outcome: 'success', endedAt: Date.now() }, { status: 'done' });
      },
    );
    const text = got.filter((e) => e.name === 'chunk').map((e) => e.data).join('');
    expect(text).toBe('first line\nsecond \\e[2J line\nthird <b>line</b>\n');
    expect(got.at(-1)).toEqual({ name: 'end', data: { outcome: 'success', noOutput: false } });
    const whole = await fetch(`${base}/api/sessions/s-r2/log.txt`);
    expect(whole.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await whole.text()).toContain('second \u001b[2J line');
    expect((await fetch(`${base}/api/sessions/nobody/log`)).status).toBe(404);
    expect(server.port).toBeGreaterThan(0);
  });

  it('says a running session has no output yet, and that an ended one had none', async () => {
    const { base, store } = await serve();
    const waiting = await events(`${base}/api/sessions/s-r1/log`, (e) => e.length > 0);
    expect(waiting[0]).toEqual({ name: 'status', data: { state: 'waiting' } });
    store.finishSession('s-r1', { outcome: 'cancelled', endedAt: Date.now() }, { status: 'queued', refundAttempt: true });
    const ended = await events(`${base}/api/sessions/s-r1/log`, (e) => e.some((x) => x.name === 'end'));
    expect(ended.at(-1)).toEqual({ name: 'end', data: { outcome: 'cancelled', noOutput: true } });
  });

  it('pages, filters and searches the issue table; a search is text, not a pattern', async () => {
    const { base } = await serve();
    const page = async (query: string) => (await (await fetch(`${base}/api/issues?${query}`)).json()) as { total: number; rows: { issue: { id: string }; attempts: unknown[] }[] };
    expect((await page('')).total).toBe(5);
    expect((await page('status=failed')).rows.map((r) => r.issue.id)).toEqual(['F-1']);
    expect((await page('q=r-')).rows.map((r) => r.issue.id).sort()).toEqual(['R-1', 'R-2']);
    expect((await page('q=%25')).total).toBe(0);
    expect((await page('q=%3Cscript')).rows.map((r) => r.issue.id)).toEqual(['R-1']);
    expect((await page('limit=2')).rows).toHaveLength(2);
    expect((await page('limit=2&offset=4')).rows).toHaveLength(1);
    expect((await fetch(`${base}/api/issues?status=paused`)).status).toBe(400);
    const detail = (await (await fetch(`${base}/api/issues/F-1`)).json()) as { attempts: { outcome: string }[] };
    expect(detail.attempts.map((a) => a.outcome)).toEqual(['failure']);
    expect((await fetch(`${base}/api/issues/nope`)).status).toBe(404);
  });

  it('sends each open page a new state when the store changes', async () => {
    const { base, store } = await serve();
    const got = await events(
      `${base}/api/stream`,
      (e) => e.filter((x) => x.name === 'state').length >= 2,
      (e) => {
        if (e.length === 1) store.endHold('paused', Date.now(), 'resumed from the dashboard');
      },
    );
    const states = got.map((e) => e.data as { holds: { endedAt: number | null }[] });
    expect(states[0]!.holds.filter((h) => h.endedAt === null)).toHaveLength(1);
    expect(states.at(-1)!.holds.filter((h) => h.endedAt === null)).toHaveLength(0);
  });
});

describe('parseAction', () => {
  it.each([
    ['{"kind":"pause"}', { kind: 'pause', target: null }],
    ['{"kind":"resume","target":null}', { kind: 'resume', target: null }],
    ['{"kind":"retry-issue","target":"A-1"}', { kind: 'retry-issue', target: 'A-1' }],
    ['{"kind":"pause","target":"x"}', { error: 'pause takes no target' }],
    ['{"kind":"cancel-session"}', { error: expect.stringMatching(/^cancel-session needs a target: a session id/) }],
    ['{"kind":"lift-hold","target":""}', { error: expect.stringMatching(/needs a target: a hold's kind/) }],
    ['{"kind":"explode"}', { error: expect.stringMatching(/^kind: expected one of pause, resume/) }],
    ['[1]', { error: expect.stringMatching(/^expected a JSON object/) }],
    ['{', { error: expect.stringMatching(/^the body is not JSON/) }],
  ])('%s', (body, expected) => {
    expect(parseAction(body)).toEqual(expected);
  });
});

describe('tokenMatches', () => {
  it.each([
    ['the-token', true],
    ['the-tokeN', false],
    ['the-token ', false],
    ['', false],
    [null, false],
  ])('%o', (given, expected) => {
    expect(tokenMatches(given, 'the-token')).toBe(expected);
  });
});

describe('the dashboard server, given a malformed path', () => {
  it('answers 400, not 500', async () => {
    const { base } = await serve();
    expect((await fetch(`${base}/api/issues/%E0%A4%A`)).status).toBe(400);
  });
});
