/**
 * The dashboard in a real browser (the system's headless Chromium), against
 * a real `harness run` with fixture agents, served by `harness dashboard`
 * from another process. Screenshots of the main views go to
 * test-results/dashboard/ (and to docs/ with HARNESS_UPDATE_SCREENSHOTS=1).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStoreReader } from '../../src/metrics/queries.js';
import { FIXTURES, REPO, reapMarker, tempDir, waitFor, writeIssues } from '../helpers/cli.js';
import { hasChromium, launchBrowser, startHarness, type Browser, type HarnessProcess } from './browser.js';

/** The page's live updates, given time on a loaded machine (expect.poll gives up after 1 s). */
function pollLong<T>(read: () => T | Promise<T>, options: { timeout?: number; interval?: number } = {}) {
  return expect.poll(read, { timeout: 15_000, ...options });
}

const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>" onmouseover="window.__pwned=3';
const SHOTS = join(REPO, 'test-results', 'dashboard');

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const file = join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  if (process.env.HARNESS_UPDATE_SCREENSHOTS === '1') copyFileSync(file, join(REPO, 'docs', `${name}.png`));
}

// Skipped only outside CI: CI installs Chromium (.ci/run), and a missing one must fail there, not pass unseen.
describe.skipIf(!hasChromium && process.env.CI !== 'true')('the dashboard in a browser, on a live run', () => {
  const tmp = tempDir('harness-dashboard-');
  const marker = `dashboard-${process.pid}-${Date.now()}`;
  const statePath = join(tmp.dir, '.harness', 'state.db');
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, HARNESS_TEST_MARKER: marker, FIXTURE_MS: '60000', FIXTURE_EVERY_MS: '100' };
  let run: HarnessProcess;
  let dashboard: HarnessProcess;
  let browser: Browser;
  let page: Page;
  let url: string;
  let token: string;
  const consoleErrors: string[] = [];
  const store = () => openStoreReader(statePath);

  beforeAll(async () => {
    const issues = writeIssues(tmp.dir, [
      { id: 'H-1', title: HOSTILE, priority: 0 },
      { id: 'F-1', title: 'fails on purpose', priority: 0 },
      ...['A-1', 'A-2', 'A-3', 'A-4'].map((id) => ({ id, title: `ordinary work ${id}` })),
    ]);
    run = startHarness(
      ['run', '--issues', issues, '--agent', `"${process.execPath}" "${join(FIXTURES, 'dashboard-agent.mjs')}"`, '--min-workers', '2', '--max-workers', '2', '--max-attempts', '1', '--health-interval', '500ms', '--stall-timeout', '30s', '--kill-grace', '1s', '--quiet'],
      { cwd: tmp.dir, env },
    );
    // Two sessions running (F-1 failed at once): the dashboard has something to show.
    await waitFor(() => {
      try {
        const q = store();
        try {
          return q.openSessionCount() === 2 && q.issue('F-1')?.status === 'failed';
        } finally {
          q.close();
        }
      } catch {
        return false;
      }
    }, 20_000, 'two running sessions');
    dashboard = startHarness(['dashboard', '--state', join('.harness', 'state.db'), '--port', '0', '--allow-actions'], { cwd: tmp.dir, env });
    url = (await dashboard.waitFor(/dashboard: serving (http:\/\/127\.0\.0\.1:\d+\/\?token=(\S+))/))[1]!;
    token = new URL(url).searchParams.get('token')!;
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await page.goto(url);
    await page.waitForSelector('body[data-ready="1"]');
    // Marks this page: gone if it were ever reloaded.
    await page.evaluate('window.__noReload = 1');
  }, 60_000);

  afterAll(async () => {
    const left = (await browser?.close()) ?? [];
    const dashboardExit = await dashboard?.stop('SIGINT');
    // A second interrupt cancels the running sessions.
    run?.child.kill('SIGINT');
    setTimeout(() => run?.child.kill('SIGINT'), 300).unref();
    await run?.stop('SIGINT', 15_000);
    const agents = reapMarker(marker);
    tmp.cleanup();
    expect(left, 'browser processes left behind').toEqual([]);
    expect(dashboardExit).toBe(0);
    expect(agents, 'agents left behind').toEqual([]);
  }, 60_000);

  it('loads with no console errors and shows the worker count and the running sessions', async () => {
    await pollLong(() => page.locator('#tiles .tile').first().locator('.value').textContent()).toBe('2');
    await pollLong(() => page.locator('tr[data-session]').count()).toBe(2);
    expect(await page.locator('tr[data-session] td.id').first().textContent()).toMatch(/^(H-1|A-1)$/);
    expect(await page.locator('#live').textContent()).toBe('live run');
    expect(consoleErrors).toEqual([]);
  });

  it('renders a hostile title as text: no element, no script, no handler from it', async () => {
    const hostileRow = page.locator('tr[data-session]', { has: page.locator('td.id', { hasText: /^H-1$/ }) });
    await pollLong(() => hostileRow.locator('td.title').textContent()).toBe(HOSTILE);
    await pollLong(() => page.locator('#issues tr[data-issue="H-1"] td.title').textContent()).toBe(HOSTILE);
    await page.locator('#issues tr[data-issue="H-1"] td.title').hover();
    expect(await page.evaluate('({ images: document.querySelectorAll("img").length, scripts: document.scripts.length, pwned: window.__pwned })')).toEqual({
      images: 0,
      scripts: 1,
      pwned: undefined,
    });
  });

  it("follows a session's log live, its markup and escape sequences shown as text", async () => {
    await page.locator('tr[data-session]', { has: page.locator('td.id', { hasText: /^A-1$/ }) }).locator('td.title').click();
    await pollLong(() => page.locator('#log-state').textContent()).toMatch(/^following/);
    const lines = async () => ((await page.locator('#log-text').textContent()) ?? '').split('\n').filter((l) => l.startsWith('line ')).length;
    await pollLong(lines).toBeGreaterThan(5);
    const before = await lines();
    await pollLong(lines, { timeout: 10_000 }).toBeGreaterThan(before + 5);
    const text = (await page.locator('#log-text').textContent()) ?? '';
    expect(text).toContain('<script>window.__fromLog=1</script> \\e[2J');
    expect(await page.evaluate('window.__fromLog')).toBeUndefined();
    await screenshot(page, 'dashboard-log');
    await page.locator('#log-close').click();
  });

  it('refuses an action without the token, and with a wrong one', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(new URL('/api/actions', url), { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ kind: 'pause' }) });
    expect((await post({})).status).toBe(401);
    expect((await post({ 'X-Harness-Token': `${token}x` })).status).toBe(401);
    // The token in the address is for reading only: an action needs it in the header.
    const viaQuery = await fetch(new URL(`/api/actions?token=${token}`, url), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"kind":"pause"}' });
    expect(viaQuery.status).toBe(401);
    const q = store();
    try {
      expect(q.db.prepare('SELECT count(*) AS n FROM control_requests').get()).toEqual({ n: 0 });
    } finally {
      q.close();
    }
  });

  it('pauses dispatch, cancels a session and resumes from the page, each taken by the run, without a reload', async () => {
    await page.locator('#actions-bar button', { hasText: 'Pause dispatch' }).click();
    await pollLong(() => page.locator('.hold.paused').count(), { timeout: 10_000 }).toBe(1);

    const a1 = page.locator('tr[data-session]', { has: page.locator('td.id', { hasText: /^A-1$/ }) });
    const cancelled = await a1.getAttribute('data-session');
    await a1.locator('button[data-action="cancel-session"]').click();
    await pollLong(() => page.locator(`tr[data-session="${cancelled}"]`).count(), { timeout: 15_000 }).toBe(0);
    await pollLong(() => page.locator('#feed li[data-kind="control"]').allTextContents(), { timeout: 10_000 }).toContainEqual(expect.stringContaining(`cancel-session ${cancelled} requested from the dashboard: cancelled session`));
    // Paused: one session left running, nothing new started.
    expect(await page.locator('tr[data-session]').count()).toBe(1);

    await page.locator('.hold.paused button', { hasText: 'Resume' }).click();
    await pollLong(() => page.locator('.hold.paused').count(), { timeout: 10_000 }).toBe(0);
    await pollLong(() => page.locator('tr[data-session]').count(), { timeout: 15_000 }).toBe(2);
    expect(await page.evaluate('window.__noReload')).toBe(1);

    const q = store();
    try {
      expect(q.sessionsForIssue('A-1').map((s) => s.outcome)).toContain('cancelled');
      expect(q.db.prepare('SELECT kind, applied FROM control_requests ORDER BY id').all()).toEqual([
        { kind: 'pause', applied: 1 },
        { kind: 'cancel-session', applied: 1 },
        { kind: 'resume', applied: 1 },
      ]);
    } finally {
      q.close();
    }
    expect(consoleErrors).toEqual([]);
  }, 60_000);

  it('retries a failed issue from the issue table', async () => {
    await page.locator('#filters button[data-status="failed"]').click();
    await page.locator('#issues tr[data-issue="F-1"] button[data-action="retry-issue"]').click();
    // Back in the queue (both workers are busy, so it waits there): it leaves the failed issues without a reload.
    await pollLong(() => page.locator('#issues tr[data-issue="F-1"]').count(), { timeout: 15_000 }).toBe(0);
    await page.locator('#filters button[data-status=""]').click();
    await pollLong(() => page.locator('#issues tr[data-issue="F-1"] .st').first().textContent(), { timeout: 10_000 }).toMatch(/^(backlog|queued|running)$/);
    const q = store();
    try {
      expect(q.db.prepare("SELECT applied, result FROM control_requests WHERE kind = 'retry-issue'").all()).toEqual([
        { applied: 1, result: 'issue "F-1" is back in the queue with a fresh budget of attempts' },
      ]);
    } finally {
      q.close();
    }
    expect(await page.evaluate('window.__noReload')).toBe(1);
    expect(consoleErrors).toEqual([]);
    // The main view, once the run has some history: for the README.
    await page.evaluate("document.getElementById('toast').hidden = true");
    await page.locator('#issues-wrap').scrollIntoViewIfNeeded();
    await screenshot(page, 'dashboard-issues');
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'dashboard');
  }, 30_000);
});
