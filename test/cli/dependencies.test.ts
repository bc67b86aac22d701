import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/open.js';
import { fixture, guardProcesses, recordedEvents, makeIO, tempDir, writeIssues } from '../helpers/cli.js';

const { cleanups, markers } = guardProcesses();
const FAST = ['--min-workers', '3', '--max-workers', '3', '--health-interval', '100ms', '--retry-delay', '50ms', '--kill-grace', '300ms', '--max-attempts', '1'];

function setup(issues: object[]) {
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  const file = writeIssues(tmp.dir, issues);
  const record = join(tmp.dir, 'record.log');
  const state = join(tmp.dir, '.harness', 'state.db');
  const run = async (env: Record<string, string> = {}, ...extra: string[]) => {
    const t = makeIO(tmp.dir, { RECORD_TO: record, ...env });
    markers.push(t.marker);
    const code = await main(['run', '--issues', file, '--agent', fixture('record.mjs'), ...FAST, ...extra], t.io);
    return { code, out: t.stdout(), err: t.stderr() };
  };
  const events = () => recordedEvents(record);
  const at = (what: string, id: string) => events().find((e) => e.what === what && e.id === id)?.at;
  const read = <T>(fn: (store: ReturnType<typeof openStore>) => T): T => {
    const store = openStore(state);
    try {
      return fn(store);
    } finally {
      store.close();
    }
  };
  return { dir: tmp.dir, file, run, events, at, read, rewrite: (next: object[]) => writeIssues(tmp.dir, next) };
}

describe('blockers (issues file)', () => {
  it('starts an issue only once each of its blockers is done, while unblocked issues run beside them', async () => {
    const h = setup([
      { id: 'c', title: 'third', blockedBy: ['b'] },
      { id: 'b', title: 'second', blockedBy: ['a'] },
      { id: 'a', title: 'first' },
      { id: 'free', title: 'no blockers' },
    ]);
    const r = await h.run();
    expect(r.code, r.out + r.err).toBe(0);
    expect(h.at('start', 'b')).toBeGreaterThanOrEqual(h.at('end', 'a')!);
    expect(h.at('start', 'c')).toBeGreaterThanOrEqual(h.at('end', 'b')!);
    // Three workers: the free issue did not wait for the chain.
    expect(h.at('start', 'free')).toBeLessThan(h.at('end', 'a')!);
    expect(h.read((s) => s.countIssues())).toMatchObject({ done: 4, failed: 0 });
  });

  it('fails the dependents of a failed blocker without running them, each naming its blocker', async () => {
    const h = setup([
      { id: 'a', title: 'fails' },
      { id: 'b', title: 'needs a', blockedBy: ['a'] },
      { id: 'c', title: 'needs b', blockedBy: ['b'] },
      { id: 'free', title: 'no blockers' },
    ]);
    const r = await h.run({ FAIL_IDS: 'a' });
    expect(r.code).toBe(1);
    expect(r.out).toContain('b failed without running: blocked by a, which failed');
    expect(r.out).toContain('c failed without running: blocked by b, which failed');
    expect(h.events().filter((e) => e.what === 'start').map((e) => e.id).sort()).toEqual(['a', 'free']);
    expect(h.read((s) => s.getIssue('b'))).toMatchObject({ status: 'failed', lastError: 'blocked by a, which failed', attempts: 0 });
    expect(h.read((s) => s.getIssue('c'))).toMatchObject({ status: 'failed', lastError: 'blocked by b, which failed' });
    expect(h.read((s) => s.sessionsForIssue('b'))).toEqual([]);
  });

  it('with --on-blocker-failure wait, keeps the dependents waiting and says so', async () => {
    const h = setup([
      { id: 'a', title: 'fails' },
      { id: 'b', title: 'needs a', blockedBy: ['a'] },
    ]);
    const r = await h.run({ FAIL_IDS: 'a' }, '--on-blocker-failure', 'wait');
    expect(r.code).toBe(1);
    expect(r.out).toContain('1 issue(s) wait on a blocker that failed (--on-blocker-failure wait): b');
    expect(h.read((s) => s.getIssue('b'))).toBeUndefined();
    expect(h.events().map((e) => e.id)).not.toContain('b');
    const json = await h.run({ FAIL_IDS: 'a' }, '--on-blocker-failure', 'wait', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out).waitingOnFailedBlockers).toEqual(['b']);
    expect(json.err).not.toContain('nothing to do');
  });

  it('refuses a dependency cycle at intake, naming it, before any agent starts', async () => {
    const h = setup([
      { id: 'a', title: 'A', blockedBy: ['c'] },
      { id: 'b', title: 'B', blockedBy: ['a'] },
      { id: 'c', title: 'C', blockedBy: ['b'] },
      { id: 'free', title: 'no blockers' },
    ]);
    const t = makeIO(h.dir);
    markers.push(t.marker);
    const code = await main(['run', '--issues', h.file, '--agent', fixture('record.mjs')], t.io).catch((e: Error & { exitCode?: number }) => {
      t.io.stderr.write(e.message);
      return e.exitCode;
    });
    expect(code).toBe(2);
    expect(t.stderr()).toMatch(/dependency cycle: a → c → b → a \(each is blocked by the next\)/);
    expect(h.events()).toEqual([]);
  });

  it('refuses a blocker that no issue of the file or the state has', async () => {
    const h = setup([{ id: 'b', title: 'B', blockedBy: ['nowhere'] }]);
    const t = makeIO(h.dir);
    const code = await main(['run', '--issues', h.file, '--agent', fixture('record.mjs')], t.io).catch((e: Error & { exitCode?: number }) => {
      t.io.stderr.write(e.message);
      return e.exitCode;
    });
    expect(code).toBe(2);
    expect(t.stderr()).toContain('"b" is blocked by "nowhere"');
  });

  it('counts a blocker done in an earlier run of the same state', async () => {
    const h = setup([{ id: 'a', title: 'first' }]);
    expect((await h.run()).code).toBe(0);
    h.rewrite([{ id: 'b', title: 'needs a', blockedBy: ['a'] }]);
    const r = await h.run();
    expect(r.code, r.out + r.err).toBe(0);
    expect(h.read((s) => s.getIssue('b'))).toMatchObject({ status: 'done' });
  });
});
