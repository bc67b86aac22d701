import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { processIdentity } from '../../src/runtime/processes.js';
import { openStore } from '../../src/store/open.js';
import { fixture, guardProcesses, makeIO, tempDir, writeIssues } from '../helpers/cli.js';

const { cleanups, markers } = guardProcesses();
const FAST = ['--min-workers', '2', '--max-workers', '2', '--health-interval', '100ms', '--retry-delay', '50ms', '--kill-grace', '300ms', '--max-attempts', '2'];

function setup() {
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  const file = writeIssues(tmp.dir, [
    { id: 'good', title: 'works at once' },
    { id: 'bad', title: 'fails until retried' },
  ]);
  const state = join(tmp.dir, '.harness', 'state.db');
  const io = () => {
    const t = makeIO(tmp.dir);
    markers.push(t.marker);
    return t;
  };
  /** `bad` fails while FAIL_ID names it: the agent's fixture fails every session of that issue. */
  const run = async (agent: string, ...extra: string[]) => {
    const t = io();
    const code = await main(['run', '--issues', file, '--agent', agent, ...FAST, ...extra], t.io);
    return { code, out: t.stdout(), err: t.stderr() };
  };
  const cli = async (...argv: string[]) => {
    const t = io();
    const code = await main(argv, t.io);
    return { code, out: t.stdout(), err: t.stderr() };
  };
  const read = <T>(fn: (store: ReturnType<typeof openStore>) => T): T => {
    const store = openStore(state);
    try {
      return fn(store);
    } finally {
      store.close();
    }
  };
  return { dir: tmp.dir, file, state, run, cli, read };
}

/** One issue fails every attempt, the other succeeds: the agent is chosen by issue id. */
const failBad = `"${process.execPath}" -e "process.exit(process.env.HARNESS_ISSUE_ID === 'bad' ? 1 : 0)"`;

describe('retrying failed issues', () => {
  it('run --retry-failed gives every failed issue a fresh budget, keeps its sessions and numbers the new ones after them', async () => {
    const h = setup();
    expect((await h.run(failBad)).code).toBe(1);
    expect(h.read((s) => s.getIssue('bad'))).toMatchObject({ status: 'failed', attempts: 2 });

    const again = await h.run(fixture('succeed.mjs'), '--retry-failed');
    expect(again.code).toBe(0);
    expect(again.out).toContain('--retry-failed: 1 failed issue(s) back in the queue with a fresh budget of 2 attempt(s): bad');
    const sessions = h.read((s) => s.sessionsForIssue('bad'));
    expect(sessions.map((s) => [s.attempt, s.outcome])).toEqual([
      [1, 'failure'],
      [2, 'failure'],
      [3, 'success'],
    ]);
    expect(new Set(sessions.map((s) => s.logPath)).size).toBe(3);
    expect(h.read((s) => s.sessionsForIssue('good')).map((s) => s.outcome)).toEqual(['success']);
  });

  it('a retried issue fails again only after a whole new budget', async () => {
    const h = setup();
    await h.run(failBad);
    expect((await h.run(failBad, '--retry-failed')).code).toBe(1);
    expect(h.read((s) => s.sessionsForIssue('bad')).map((s) => s.attempt)).toEqual([1, 2, 3, 4]);
    expect(h.read((s) => s.getIssue('bad'))?.lastError).toMatch(/after 2 attempts/);
  });

  it('harness retry <id>... retries named failed issues, and refuses unknown or unfinished ones without changing anything', async () => {
    const h = setup();
    await h.run(failBad);
    const refused = await h.cli('retry', 'bad', 'good', 'nope');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('nope: no such issue in .harness/state.db');
    expect(refused.err).toContain('good: it is done, not failed');
    expect(refused.err).toContain('nothing was changed');
    expect(h.read((s) => s.getIssue('bad'))?.status).toBe('failed');

    const retried = await h.cli('retry', 'bad');
    expect(retried.code).toBe(0);
    expect(retried.out).toMatch(/^retried 1 issue\(s\) in \.harness\/state\.db: bad\. Each is back in the queue with a fresh budget/);
    expect(h.read((s) => s.getIssue('bad'))).toMatchObject({ status: 'backlog', attempts: 0, priorAttempts: 2 });
    expect((await h.run(fixture('succeed.mjs'))).code).toBe(0);

    const missing = await h.cli('retry', 'x', '--state', join(h.dir, 'none.db'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no harness state at .*none\.db/);
  });

  it('says when everything in the state is finished, and how to start again', async () => {
    const h = setup();
    await h.run(failBad);
    const second = await h.run(failBad);
    expect(second.code).toBe(1);
    expect(second.out).toContain('nothing to do: every issue in .harness/state.db is finished (1 done, 1 failed)');
    expect(second.out).toMatch(/run again with --fresh.*--retry-failed \(or `harness retry <id>...`\)/);
  });

  it('--fresh moves the state and its logs aside, deletes nothing, says where, and starts a new state', async () => {
    const h = setup();
    await h.run(fixture('succeed.mjs'));
    const before = h.read((s) => s.sessionsForIssue('good')[0]!.logPath!);
    const fresh = await h.run(fixture('succeed.mjs'), '--fresh');
    expect(fresh.code).toBe(0);
    const moved = /--fresh: moved the previous state aside to (\S+) \(with its logs, as (\S+)\)/.exec(fresh.out);
    expect(moved).not.toBeNull();
    const [, oldState, oldLogs] = moved!;
    expect(oldLogs).toBe(`${oldState}.logs`);
    expect(readdirSync(join(h.dir, '.harness')).sort()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^state\.\d{8}-\d{6}\.db$/), expect.stringMatching(/^state\.\d{8}-\d{6}\.db\.logs$/), 'state.db', 'state.db.logs']),
    );
    // The new state redid the work; the old one still has its history, and its logs where it says they are.
    expect(h.read((s) => s.sessionsForIssue('good'))).toHaveLength(1);
    expect(h.read((s) => s.sessionsForIssue('good')[0]!.logPath)).not.toBe(before);
    const old = openStore(oldState!);
    try {
      const log = old.sessionsForIssue('good')[0]!.logPath!;
      expect(log.startsWith(`${oldLogs}/good-1-`)).toBe(true);
      expect(readFileSync(log, 'utf8')).toContain('working on it');
    } finally {
      old.close();
    }
    const shown = await h.cli('metrics', '--state', oldState!, '--issue', 'good');
    expect(shown.out).toContain(`${oldLogs}/good-1-`);
    expect(existsSync(before)).toBe(false);
  });

  it('--fresh refuses to move a state a live harness holds', async () => {
    const h = setup();
    await h.run(fixture('succeed.mjs'));
    const store = openStore(h.state);
    const now = Date.now();
    store.acquireRunLock({ pid: process.pid, hostname: hostname(), startedAt: now, heartbeatAt: now, processStart: processIdentity(process.pid)! }, () => true);
    store.close();
    const fresh = await h.run(fixture('succeed.mjs'), '--fresh');
    expect(fresh.code).toBe(2);
    expect(fresh.err).toMatch(/in use by another harness \(pid \d+ .*\): --fresh moves a state aside only when no harness uses it/);
    expect(readdirSync(join(h.dir, '.harness')).filter((n) => /\d{8}-\d{6}/.test(n))).toEqual([]);
  });
});
