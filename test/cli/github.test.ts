import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { FleetQueries } from '../../src/metrics/fleet.js';
import { openStoreReader } from '../../src/metrics/queries.js';
import { realClock } from '../../src/runtime/clock.js';
import { blockersInBody, GithubSource } from '../../src/sources/github.js';
import { TrackerCli } from '../../src/sources/tracker-cli.js';
import { fixture, guardProcesses, makeIO, tempDir } from '../helpers/cli.js';
import { trackerRig } from '../helpers/trackers.js';

const { cleanups, markers } = guardProcesses();
const FAST = ['--min-workers', '2', '--max-workers', '2', '--health-interval', '100ms', '--retry-delay', '50ms', '--kill-grace', '300ms', '--max-attempts', '1'];

interface GhIssue {
  number: number;
  title: string;
  body: string;
  state: string;
  labels: string[];
  comments: string[];
  assignees?: string[];
  blockedBy?: number[];
  url: string;
}

const issue = (number: number, extra: Partial<GhIssue> = {}): GhIssue => ({
  number,
  title: `issue ${number}`,
  body: `do ${number}`,
  state: 'OPEN',
  labels: ['harness'],
  comments: [],
  url: `https://github.com/o/r/issues/${number}`,
  ...extra,
});

function setup(issues: GhIssue[], extra: Record<string, unknown> = {}) {
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  const rig = trackerRig(tmp.dir, { issues, ...extra });
  const record = join(tmp.dir, 'record.log');
  const run = async (env: Record<string, string> = {}, ...args: string[]) => {
    const t = makeIO(tmp.dir, { ...rig.env, RECORD_TO: record, ...env });
    markers.push(t.marker);
    const code = await main(['run', '--source', 'github', '--agent', fixture('record.mjs'), ...FAST, ...args], t.io);
    return { code, out: t.stdout(), err: t.stderr() };
  };
  const gh = (n: number) => rig.state<GhIssue>().issues.find((i) => i.number === n)!;
  return { dir: tmp.dir, rig, run, gh };
}

describe('GitHub issues as the source', () => {
  it('claims with a label, closes done issues with a comment, labels and comments failed ones', async () => {
    const h = setup([issue(1), issue(2), issue(3, { labels: ['other'] }), issue(4, { labels: ['harness', 'harness:failed'] })]);
    const r = await h.run({ FAIL_IDS: '2' }, '--tracker-label', 'harness');
    expect(r.code).toBe(1);
    expect(h.gh(1)).toMatchObject({ state: 'CLOSED', labels: ['harness'] });
    expect(h.gh(1).comments).toHaveLength(1);
    expect(h.gh(1).comments[0]).toMatch(/^Done by harness \(attempt 1, session .+\)\.[\s\S]*<!-- \[harness report \d+\] -->$/);
    expect(h.gh(2)).toMatchObject({ state: 'OPEN', labels: ['harness', 'harness:failed'] });
    expect(h.gh(2).comments[0]).toMatch(/^harness could not finish this issue after 1 attempt\(s\)/);
    // Not labelled for harness, or given up on before: left alone.
    expect(h.gh(3).comments).toEqual([]);
    expect(h.gh(4).comments).toEqual([]);
    const claims = h.rig.calls().filter((c) => c[1] === 'edit' && c[3] === '--add-label' && c[4] === 'harness:running');
    expect(claims.map((c) => c[2]).sort()).toEqual(['1', '2']);
    // The dashboard's issue table links each issue to its tracker.
    const queries = openStoreReader(join(h.dir, '.harness', 'state.db'));
    try {
      const page = new FleetQueries(queries.db, 'state.db').issuePage({ status: null, search: '', offset: 0, limit: 10 });
      expect(page.rows.map((r) => [r.issue.id, r.trackerUrl]).sort()).toEqual([
        ['1', 'https://github.com/o/r/issues/1'],
        ['2', 'https://github.com/o/r/issues/2'],
      ]);
    } finally {
      queries.close();
    }
    const list = h.rig.calls().find((c) => c[1] === 'list')!;
    expect(list).toEqual(['issue', 'list', '--json', 'number,title,body,labels,assignees,createdAt,url', '--state', 'open', '--label', 'harness', '--limit', '100']);
  });

  it('works "blocked by #N" and GitHub dependencies in order', async () => {
    const h = setup([issue(10, { body: 'Blocked by #11' }), issue(11, { blockedBy: [12] }), issue(12)]);
    const r = await h.run();
    expect(r.code, r.out + r.err).toBe(0);
    const closes = h.rig.calls().filter((c) => c[1] === 'close').map((c) => c[2]);
    expect(closes).toEqual(['12', '11', '10']);
  });

  it('leaves an issue whose blocker GitHub does not know waiting, and works the rest', async () => {
    const h = setup([issue(2), issue(4, { body: 'Blocked by: #99' })], { noDependencyApi: true });
    const r = await h.run();
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain('"4" waits for "99", which GitHub (gh, label harness) does not know');
    expect(h.gh(2).state).toBe('CLOSED');
    expect(h.gh(4)).toMatchObject({ state: 'OPEN', labels: ['harness'], comments: [] });
  });

  it('assigns claimed issues when asked, and passes hostile text as one argument, never through a shell', async () => {
    const title = 'x"; touch pwned; echo "$(id)` $HOME';
    const h = setup([issue(5, { title, body: '`rm -rf /` $(touch pwned2)' })]);
    const r = await h.run({ FAIL_IDS: '5' }, '--tracker-assign');
    expect(r.code).toBe(1);
    expect(h.gh(5).assignees).toEqual(['harness-bot']);
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(h.dir, 'pwned'))).toBe(false);
    expect(existsSync(join(h.dir, 'pwned2'))).toBe(false);
  });
});

describe('GithubSource', () => {
  const source = (dir: string, env: Record<string, string>, pullRequests = false) =>
    new GithubSource(new TrackerCli({ program: 'gh', cwd: dir, env: { ...process.env, ...env }, clock: realClock, timeoutMs: 10_000, retries: 0, backoffMs: 10, recordTo: null }), { label: 'harness', limit: 50, assign: false, pullRequests });

  it('in pull-request mode, comments the link and leaves the issue open', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const rig = trackerRig(tmp.dir, { issues: [issue(7, { labels: ['harness', 'harness:running'] })] });
    const gh = source(tmp.dir, rig.env, true);
    const report = { id: 3, issueId: '7', kind: 'done' as const, text: 'Done. Pull request: https://github.com/o/r/pull/9.', pullRequest: 'https://github.com/o/r/pull/9' };
    expect(await gh.hasReport(report)).toBe(false);
    await gh.report(report);
    const after = rig.state<GhIssue>().issues[0]!;
    expect(after.state).toBe('OPEN');
    expect(after.labels).toEqual(['harness']);
    expect(after.comments[0]).toContain('https://github.com/o/r/pull/9');
    expect(await gh.hasReport(report)).toBe(true);
  });

  it('asks a host without issue dependencies once, then reads only bodies', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const rig = trackerRig(tmp.dir, { issues: [issue(1), issue(2, { body: 'blocked by #1' })], noDependencyApi: true });
    const gh = source(tmp.dir, rig.env);
    const listing = await gh.list();
    expect(listing.issues.map((i) => [i.id, i.blockedBy])).toEqual([
      ['1', []],
      ['2', ['1']],
    ]);
    expect(rig.calls().filter((c) => c[0] === 'api')).toHaveLength(1);
  });

  it.each([
    ['blocked by #12', ['12']],
    ['Blocked by: #3, #4 and #5', ['3', '4', '5']],
    ['blocked-by #8\nand later blocked by #9', ['8', '9']],
    ['see #3; not blocked', []],
  ])('reads %j from a body', (body, ids) => {
    expect(blockersInBody(body)).toEqual(ids);
  });
});
