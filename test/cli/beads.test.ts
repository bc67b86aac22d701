import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/open.js';
import { fixture, guardProcesses, recordedEvents, makeIO, tempDir, waitFor } from '../helpers/cli.js';
import { bead, blocks, trackerRig } from '../helpers/trackers.js';

const { cleanups, markers } = guardProcesses();
const FAST = ['--min-workers', '2', '--max-workers', '2', '--health-interval', '100ms', '--retry-delay', '50ms', '--kill-grace', '300ms', '--max-attempts', '1'];

interface Bead {
  id: string;
  status: string;
  assignee?: string;
  notes?: string;
  close_reason?: string;
}

function setup(issues: object[], extra: Record<string, unknown> = {}) {
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  const rig = trackerRig(tmp.dir, { issues, ...extra });
  const record = join(tmp.dir, 'record.log');
  const start = (env: Record<string, string> = {}, ...args: string[]) => {
    const t = makeIO(tmp.dir, { ...rig.env, RECORD_TO: record, HARNESS_TRACKER_RETRY_MS: '200ms', ...env });
    markers.push(t.marker);
    const done = main(['run', '--source', 'beads', '--agent', fixture('record.mjs'), ...FAST, ...args], t.io);
    return { t, done };
  };
  const run = async (env: Record<string, string> = {}, ...args: string[]) => {
    const { t, done } = start(env, ...args);
    const code = await done;
    return { code, out: t.stdout(), err: t.stderr() };
  };
  const bd = (id: string) => rig.state<Bead>().issues.find((i) => i.id === id)!;
  const read = <T>(fn: (store: ReturnType<typeof openStore>) => T): T => {
    const store = openStore(join(tmp.dir, '.harness', 'state.db'));
    try {
      return fn(store);
    } finally {
      store.close();
    }
  };
  const events = () => recordedEvents(record);
  const callsOf = (command: string, id: string) => rig.calls().filter((c) => c[0] === command && c[1] === id);
  return { dir: tmp.dir, rig, start, run, bd, read, callsOf, events };
}

describe('beads as the source', () => {
  it('claims each ready issue, works it and closes it with a summary, once', async () => {
    const h = setup([bead('bd-1'), bead('bd-2'), bead('bd-3')]);
    const r = await h.run();
    expect(r.code, r.out + r.err).toBe(0);
    for (const id of ['bd-1', 'bd-2', 'bd-3']) {
      expect(h.bd(id).status).toBe('closed');
      expect(h.bd(id).close_reason).toMatch(/^Done by harness \(attempt 1, session .+\)\..* \[harness report \d+\]$/);
      expect(h.callsOf('update', id)).toEqual([['update', id, '--claim']]);
      expect(h.callsOf('close', id)).toHaveLength(1);
    }
    expect(h.rig.calls()[0]).toEqual(['ready', '--json']);
    expect(r.out).toContain('↑ bd-1 reported done to beads');
    expect(h.read((s) => s.reportCounts())).toMatchObject({ sent: 3, pending: 0, sending: 0 });
  });

  it('puts a failed issue back to open with a note saying why and where its log is, and does not take it again', async () => {
    const h = setup([bead('ok'), bead('broken')]);
    const r = await h.run({ FAIL_IDS: 'broken' });
    expect(r.code).toBe(1);
    const broken = h.bd('broken');
    expect(broken.status).toBe('open');
    expect(broken.assignee).toBeUndefined();
    expect(broken.notes).toMatch(/^harness could not finish this issue after 1 attempt\(s\): .+ Log: .+\.log\. \[harness report \d+\]$/);
    expect(h.callsOf('update', 'broken').map((c) => c.slice(2, 4))).toEqual([['--claim'], ['--status', 'open']]);
    // The run listed again once all was done; the failed issue was not claimed a second time.
    expect(h.rig.calls().filter((c) => c[0] === 'ready')).toHaveLength(2);
    expect(h.bd('ok').status).toBe('closed');
  });

  it('keeps a report beads refused as rejected, and shows it in the run and in harness metrics', async () => {
    const h = setup([bead('gone')], { refuse: 'close gone' });
    const r = await h.run();
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain('✗ beads refused the done report of gone: bd refused to close gone: exit 1: Error: issue gone not found (kept in the state as rejected)');
    expect(h.read((s) => s.reportCounts())).toMatchObject({ rejected: 1, pending: 0, sending: 0 });
    const t = makeIO(h.dir);
    expect(await main(['metrics'], t.io)).toBe(0);
    expect(t.stdout()).toContain('reports:  0 sent to the tracker · 0 waiting to be sent · 1 rejected');
    expect(t.stdout()).toContain('rejected: the done report of gone (beads): bd refused to close gone');
  });

  it('refuses to start when bd is not installed, saying how to fix it', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const t = makeIO(tmp.dir, { PATH: tmp.dir });
    markers.push(t.marker);
    const code = await main(['run', '--source', 'beads', '--agent', fixture('record.mjs')], t.io);
    expect(code).toBe(2);
    expect(t.stderr()).toContain('bd was not found on PATH: install it, or set tracker.bin (HARNESS_TRACKER_BIN) to its path');
  });

  it('ends a finished run when beads stops answering its last listing, instead of waiting for it', async () => {
    const h = setup([bead('bd-1')], { failMatch: { match: 'ready', after: 1, seen: 0 } });
    const r = await h.run({ HARNESS_TRACKER_RETRY_MS: '100ms' });
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain('beads (bd) did not answer the last listing (could not list ready issues with bd (3 tries)');
    expect(h.bd('bd-1').status).toBe('closed');
    expect(h.rig.calls().filter((c) => c[0] === 'ready')).toHaveLength(4);
  });

  it('does not send a report again when the call that sent it timed out after it took effect', async () => {
    const h = setup([bead('bd-1')], { hang: { match: 'close bd-1', when: 'after' } });
    const r = await h.run({ HARNESS_TRACKER_RETRY_MS: '100ms' }, '--tracker-timeout', '1s');
    expect(r.code, r.out + r.err).toBe(0);
    expect(h.callsOf('close', 'bd-1')).toHaveLength(1);
    expect(h.callsOf('show', 'bd-1')).toHaveLength(1);
    expect(h.read((s) => s.reportCounts())).toMatchObject({ sent: 1, sending: 0, pending: 0 });
  });

  it('stops a tracker call that hangs at the first interrupt, and says work may be left (exit 130)', async () => {
    const h = setup([bead('bd-1')], { hang: { match: 'ready', when: 'before' } });
    const { t, done } = h.start();
    await waitFor(() => h.rig.calls().some((c) => c[0] === 'ready'), 10_000, 'the listing');
    const at = Date.now();
    t.interrupt();
    expect(await done).toBe(130);
    expect(Date.now() - at).toBeLessThan(5000);
    expect(h.rig.calls().filter((c) => c[0] === 'ready')).toHaveLength(1);
  });

  it('skips an issue someone else claimed between the listing and the claim', async () => {
    const h = setup([bead('mine'), bead('raced', { claimRace: true })]);
    const r = await h.run();
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain('"raced" is claimed by someone else at beads (bd): skipped');
    expect(h.bd('raced')).toMatchObject({ status: 'in_progress', assignee: 'alice' });
    expect(h.callsOf('close', 'raced')).toEqual([]);
    expect(h.read((s) => s.getIssue('raced'))).toBeUndefined();
    expect(h.bd('mine').status).toBe('closed');
  });

  it('holds intake, visibly, while the tracker does not answer, and goes on when it does', async () => {
    // Three failed tries make one failed listing: the first two listings fail, the third works.
    const h = setup([bead('bd-1')], { failNext: 6 });
    const r = await h.run();
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/intake on hold \(tracker\): could not list ready issues with bd \(3 tries\): exit 1: error: connection refused .*asked again every 200ms/);
    expect(r.out).toContain('hold lifted (tracker)');
    expect(h.bd('bd-1').status).toBe('closed');
    expect(h.read((s) => s.listHolds(false).map((x) => x.kind))).toContain('tracker');
  });

  it("works a dependent once beads shows it ready: its blocker's close releases it", async () => {
    const h = setup([bead('base'), bead('top', { dependencies: [blocks('top', 'base')] })]);
    const r = await h.run();
    expect(r.code, r.out + r.err).toBe(0);
    expect(h.bd('top').status).toBe('closed');
    const order = h.rig.calls().filter((c) => c[0] === 'close').map((c) => c[1]);
    expect(order).toEqual(['base', 'top']);
  });

  it('leaves the dependent of a failed issue to beads: blocked there, untouched here', async () => {
    const h = setup([bead('base'), bead('top', { dependencies: [blocks('top', 'base')] })]);
    const r = await h.run({ FAIL_IDS: 'base' });
    expect(r.code).toBe(1);
    expect(h.bd('base').notes).toContain('harness could not finish');
    expect(h.bd('top')).toMatchObject({ status: 'open' });
    expect(h.rig.calls().filter((c) => c[1] === 'top')).toEqual([]);
  });

  it('takes from beads only what its workers can start soon, leaving the rest for others', async () => {
    const h = setup(['b1', 'b2', 'b3', 'b4', 'b5', 'b6'].map((id) => bead(id)));
    const r = await h.run({ RECORD_PAUSE_MS: '50' }, '--min-workers', '1', '--max-workers', '1', '--target-queue-depth', '1');
    expect(r.code, r.out + r.err).toBe(0);
    // maxWorkers + targetQueueDepth = 2 issues taken and not finished at a time: each further claim waits for a session to end.
    const claims = h.rig.timedCalls().filter((c) => c.argv[0] === 'update' && c.argv[2] === '--claim');
    const ends = h.events().filter((e) => e.what === 'end').map((e) => e.at);
    expect(claims).toHaveLength(6);
    claims.forEach((claim, k) => expect(ends.filter((at) => at <= claim.at).length).toBeGreaterThanOrEqual(k - 1));
    expect(h.rig.state<Bead>().issues.every((i) => i.status === 'closed')).toBe(true);
  });

  it('--watch picks up an issue that becomes ready while it runs, and ends on an interrupt (exit 0: nothing failed)', async () => {
    const h = setup([bead('gate', { status: 'in_progress', assignee: 'bob' }), bead('later', { dependencies: [blocks('later', 'gate')] })]);
    const { t, done } = h.start({}, '--watch', '1s');
    await waitFor(() => t.stdout().includes('waiting for work'), 25_000, 'the idle line');
    // A person closes the blocker: beads lists its dependent as ready.
    h.rig.update((s) => {
      const gate = (s.issues as Bead[]).find((i) => i.id === 'gate')!;
      gate.status = 'closed';
    });
    await waitFor(() => h.bd('later').status === 'closed', 25_000, 'the dependent to be worked and closed');
    t.interrupt();
    expect(await done).toBe(0);
    expect(t.stdout()).toContain('waiting for work: the source is listed every 1s');
  }, 70_000);
});
