/**
 * `harness dashboard --store` in a real browser (the system's headless
 * Chromium), against a fleet seeded on PostgreSQL: two live coordinators
 * (one on another host) and one that left. A screenshot goes to
 * test-results/dashboard/ (and to docs/ with HARNESS_UPDATE_SCREENSHOTS=1).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers/cli.js';
import { describeWithPostgres, PG_URL, pgStores } from '../helpers/postgres.js';
import { hasChromium, launchBrowser, startHarness, type Browser, type HarnessProcess } from './browser.js';
import { OTHER_HOST, PG_HOSTILE_TITLE, seedFleet, type SeededFleet } from './pg-fixtures.js';

const SHOTS = join(REPO, 'test-results', 'dashboard');
// Skipped only outside CI: CI installs Chromium (.ci/run), and a missing one must fail there, not pass unseen.
const describeHere = !hasChromium && process.env.CI !== 'true' ? describe.skip : describeWithPostgres('the dashboard on PostgreSQL, in a browser');

describeHere('the dashboard in a browser, on a fleet on PostgreSQL', () => {
  const pg = pgStores();
  const tmp = tempDir('harness-dashboard-pg-');
  let seeded: SeededFleet;
  let dashboard: HarnessProcess;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    const here = await pg.open();
    const schema = here.schema;
    seeded = await seedFleet({ here, other: await pg.open({ schema }), gone: await pg.open({ schema }) }, tmp.dir);
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, HARNESS_STORE_URL: PG_URL };
    dashboard = startHarness(['dashboard', '--store-schema', schema, '--port', '0'], { cwd: tmp.dir, env });
    const url = (await dashboard.waitFor(/dashboard: serving (http:\/\/127\.0\.0\.1:\d+\/)/))[1]!;
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await page.goto(url);
    await page.waitForSelector('body[data-ready="1"]');
  }, 60_000);

  afterAll(async () => {
    const left = (await browser?.close()) ?? [];
    const exit = await dashboard?.stop('SIGINT');
    tmp.cleanup();
    expect(left, 'browser processes left behind').toEqual([]);
    expect(exit).toBe(0);
  }, 30_000);

  it('loads with no console errors and shows the coordinators, two of them live, with their workers', async () => {
    expect(dashboard.output()).toContain('reading the fleet\'s PostgreSQL store postgres://');
    await expect.poll(() => page.locator('#coordinators tr[data-state="live"]').count()).toBe(2);
    expect(await page.locator('#coordinators tr[data-state="ended"]').count()).toBe(1);
    const other = page.locator(`#coordinators tr[data-coordinator="${seeded.ids.other}"]`);
    expect(await other.locator('td').allTextContents()).toEqual([seeded.ids.other, OTHER_HOST, '200', 'live', expect.any(String), expect.stringMatching(/ ago$/), '1', '0', '0', '0']);
    await expect.poll(() => page.locator('#tiles .tile').first().locator('.value').textContent()).toBe('4');
    await expect.poll(() => page.locator('tr[data-session]').count()).toBe(3);
    expect(await page.locator('#live').textContent()).toBe('live run');
    expect(consoleErrors).toEqual([]);
  });

  it('renders the hostile title as text, and names the coordinator and the host of a log it cannot read', async () => {
    const hostile = page.locator('tr[data-session="s-h1"] td.title');
    await expect.poll(() => hostile.textContent()).toBe(PG_HOSTILE_TITLE);
    expect(await page.evaluate('document.querySelectorAll("img").length')).toBe(0);
    expect(await page.locator('tr[data-session="s-a2"] .coordinator').textContent()).toBe(seeded.ids.other);
    expect(await page.locator('tr[data-session="s-a2"] td.activity').textContent()).toBe(`log on ${OTHER_HOST}`);
    await page.locator('tr[data-session="s-a2"] td.title').click();
    await expect.poll(() => page.locator('#log-state').textContent()).toBe(`its log is on ${OTHER_HOST}: open the dashboard there to read it`);
    await page.locator('#log-close').click();
    expect(consoleErrors).toEqual([]);
    mkdirSync(SHOTS, { recursive: true });
    const file = join(SHOTS, 'dashboard-store.png');
    await page.screenshot({ path: file, fullPage: false });
    if (process.env.HARNESS_UPDATE_SCREENSHOTS === '1') copyFileSync(file, join(REPO, 'docs', 'dashboard-store.png'));
  });
});
