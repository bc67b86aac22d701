import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { isAlive } from '../../src/runtime/processes.js';
import { guardProcesses, processesWithMarker, waitFor, writeIssues } from '../helpers/cli.js';
import { fleetUrl, startCoordinator, type Coordinator } from '../helpers/fleet.js';
import { describeWithPostgres, pgStores } from '../helpers/postgres.js';
import { GIT_ENV, git, makeRepo, subjects } from '../merge/repo.js';

/**
 * Coordinators of one fleet with --worktrees on one checkout: the holder
 * of the merge lease merges what all of them queue; killed with SIGKILL
 * in the middle of a merge, it is replaced, and every issue lands once.
 */
const describePg = describeWithPostgres('the merge queue across a fleet of processes');
const { cleanups, markers } = guardProcesses();

const AGENT = `"${process.execPath}" "${join(import.meta.dirname, '..', 'fixtures', 'merge', 'edit-agent.mjs')}"`;

describePg('harness run --store --worktrees', () => {
  const pg = pgStores();

  it('lands every issue exactly once when the merge leader is killed with SIGKILL while it merges', async () => {
    const temp = makeRepo();
    cleanups.push(temp.cleanup);
    const marker = `fleet-merge-${Date.now()}`;
    markers.push(marker);
    const schema = pg.schema();
    const ids = ['M1', 'M2', 'M3', 'M4', 'M5', 'M6'];
    const issues = writeIssues(temp.root, ids.map((id) => ({ id, title: `fix ${id}`, body: `file: ${id}.txt\ntext: ${id}` })));
    const config = join(temp.root, 'harness.config.json');
    // The first verify would take 30 s (the leader is killed in the middle of it, and the next leader must stop it); the others 300 ms.
    const once = join(temp.root, 'first-verify');
    const verify = `let first = true; try { require('fs').writeFileSync(${JSON.stringify(once)}, '', { flag: 'wx' }); } catch { first = false; } setTimeout(() => {}, first ? 30000 : 300);`;
    writeFileSync(config, JSON.stringify({ merge: { verify: [process.execPath, '-e', verify] } }));
    const args = ['--store', fleetUrl(schema), '--config', config, '--worktrees', '--agent', AGENT, '--min-workers', '2', '--max-workers', '2', '--fleet-lease', '2s', '--health-interval', '200ms'];
    const start = (withFile: boolean): Coordinator => startCoordinator(temp.repo, withFile ? ['--issues', issues, ...args] : args, marker, GIT_ENV);
    const fleet = [start(true), start(true)];
    const output = () => fleet.map((c) => c.output()).join('\n---\n');

    // The leader's verify is running: the lease's holder is `host:pid:token`.
    let leaderPid = 0;
    let verifyPid = 0;
    await pollFor(async () => {
      const verifying = await pg.admin.query(`SELECT verify_pid FROM ${schema}.merge_entries WHERE state = 'merging' AND verify_pid IS NOT NULL`).catch(() => ({ rows: [] }));
      if (verifying.rows.length === 0) return false;
      verifyPid = Number(verifying.rows[0].verify_pid);
      const lease = await pg.admin.query(`SELECT holder FROM ${schema}.leases WHERE name = 'merge'`);
      leaderPid = Number(String(lease.rows[0]?.holder ?? '').split(':')[1]);
      return fleet.some((c) => c.pid === leaderPid);
    }, 30_000, () => `a merge to be verifying:\n${output()}`);
    const at = fleet.findIndex((c) => c.pid === leaderPid);
    const leader = fleet[at]!;
    leader.kill('SIGKILL');
    await leader.exited;
    // Its verify is still running (in a process group of its own): the next leader must stop it.
    expect(isAlive(verifyPid)).toBe(true);
    fleet[at] = start(false);

    const codes = await Promise.all(fleet.map((c) => c.exited));
    expect(codes, output()).toEqual([0, 0]);
    // The other coordinator (or the restarted one) took over the merge queue, and stopped the dead leader's verify.
    expect(output()).toMatch(/leading the fleet's merge queue/);
    expect(isAlive(verifyPid)).toBe(false);

    const status = await pg.admin.query(`SELECT status, count(*)::int AS n FROM ${schema}.issues GROUP BY status`);
    expect(Object.fromEntries(status.rows.map((r: { status: string; n: number }) => [r.status, r.n]))).toEqual({ done: ids.length });
    const entries = await pg.admin.query(`SELECT issue_id, state FROM ${schema}.merge_entries ORDER BY id`);
    expect(entries.rows.filter((e: { state: string }) => e.state === 'merging' || e.state === 'queued')).toEqual([]);
    for (const id of ids) {
      expect(entries.rows.filter((e: { issue_id: string; state: string }) => e.issue_id === id && e.state === 'landed'), id).toHaveLength(1);
      expect(subjects(temp.repo).filter((s) => s === `${id}: fix ${id}`), id).toHaveLength(1);
    }
    expect(git(temp.repo, 'status', '--porcelain', '--untracked-files=no')).toBe('');
    // No verify nor agent outlives the fleet: the killed leader's launcher stops what it ran within the kill grace, then exits.
    await waitFor(() => processesWithMarker(marker).length === 0, 15_000, "the fleet's processes to end");
  }, 60_000);

  it('refuses a coordinator with --worktrees in another checkout while the fleet merges in one (exit 2)', async () => {
    const first = makeRepo();
    const second = makeRepo();
    cleanups.push(first.cleanup, second.cleanup);
    const marker = `fleet-checkout-${Date.now()}`;
    markers.push(marker);
    const schema = pg.schema();
    const issues = writeIssues(first.root, [{ id: 'C1', title: 'fix C1', body: 'file: C1.txt\ntext: C1' }]);
    // The first coordinator's agent waits, so that it is still live when the second one starts.
    const slow = `"${process.execPath}" -e "setTimeout(() => {}, 4000)"`;
    const args = ['--store', fleetUrl(schema), '--worktrees', '--min-workers', '1', '--max-workers', '1'];
    const live = startCoordinator(first.repo, ['--issues', issues, ...args, '--agent', slow], marker, GIT_ENV);
    await pollFor(async () => {
      const running = await pg.admin.query(`SELECT count(*)::int AS n FROM ${schema}.sessions WHERE ended_at IS NULL`).catch(() => ({ rows: [{ n: 0 }] }));
      return running.rows[0].n > 0;
    }, 20_000, () => `a session to be running:\n${live.output()}`);
    const other = startCoordinator(second.repo, [...args, '--agent', AGENT], marker, GIT_ENV);
    expect(await other.exited, other.output()).toBe(2);
    expect(other.output()).toMatch(/this fleet merges in the checkout on \S+ in \S+ \(coordinator \S+ is live there\).*run this coordinator there, or give every checkout the remote they share/);
    live.kill('SIGTERM');
    await live.exited;
  }, 40_000);

  it('merges through a shared remote when the coordinators work in checkouts of their own: every issue lands on the remote once', async () => {
    const { origin, marker, bare, clones } = sharedRemote('fleet-remote', ['one', 'two']);
    const schema = pg.schema();
    const ids = ['R1', 'R2', 'R3', 'R4', 'R5', 'R6'];
    const issues = writeIssues(origin.root, ids.map((id) => ({ id, title: `fix ${id}`, body: `file: ${id}.txt\ntext: ${id}` })));
    const config = join(origin.root, 'harness.config.json');
    writeFileSync(config, JSON.stringify({ merge: { push: 'origin' } }));
    const args = ['--store', fleetUrl(schema), '--config', config, '--worktrees', '--issues', issues, '--agent', AGENT, '--min-workers', '2', '--max-workers', '2', '--fleet-lease', '2s'];
    const fleet = clones.map((dir) => startCoordinator(dir, args, marker, GIT_ENV));
    const codes = await Promise.all(fleet.map((c) => c.exited));
    const output = fleet.map((c) => c.output()).join('\n---\n');
    expect(codes, output).toEqual([0, 0]);
    const status = await pg.admin.query(`SELECT status, count(*)::int AS n FROM ${schema}.issues GROUP BY status`);
    expect(Object.fromEntries(status.rows.map((r: { status: string; n: number }) => [r.status, r.n])), output).toEqual({ done: ids.length });
    // Each commit is on the remote's main once, whichever checkout made it and whichever leader landed it.
    for (const id of ids) expect(subjects(bare).filter((s) => s === `${id}: fix ${id}`), id).toHaveLength(1);
    const landed = await pg.admin.query(`SELECT count(*)::int AS n FROM ${schema}.merge_entries WHERE state = 'landed'`);
    expect(landed.rows[0].n).toBe(ids.length);
    // A branch that landed is not kept on the remote.
    expect(git(bare, 'branch', '--list', 'harness/*')).toBe('');
    // Both checkouts made branches (each ran sessions), and every branch was pushed for the leader.
    const sessions = await pg.admin.query(`SELECT c.pid, count(*)::int AS n FROM ${schema}.sessions s JOIN ${schema}.coordinators c ON c.id = s.coordinator_id GROUP BY c.pid`);
    expect(sessions.rows.length).toBe(2);
  }, 60_000);

  it('lands every issue on the shared remote exactly once when the leader of one checkout is killed with SIGKILL while it merges', async () => {
    const { origin, marker, bare, clones } = sharedRemote('fleet-remote-kill', ['one', 'two']);
    const schema = pg.schema();
    const ids = ['K1', 'K2', 'K3', 'K4', 'K5', 'K6'];
    const issues = writeIssues(origin.root, ids.map((id) => ({ id, title: `fix ${id}`, body: `file: ${id}.txt\ntext: ${id}` })));
    const config = join(origin.root, 'harness.config.json');
    const once = join(origin.root, 'first-verify');
    const verify = `let first = true; try { require('fs').writeFileSync(${JSON.stringify(once)}, '', { flag: 'wx' }); } catch { first = false; } setTimeout(() => {}, first ? 30000 : 200);`;
    writeFileSync(config, JSON.stringify({ merge: { push: 'origin', verify: [process.execPath, '-e', verify] } }));
    const args = ['--store', fleetUrl(schema), '--config', config, '--worktrees', '--agent', AGENT, '--min-workers', '2', '--max-workers', '2', '--fleet-lease', '2s', '--health-interval', '200ms'];
    const start = (at: number, withFile: boolean): Coordinator => startCoordinator(clones[at]!, withFile ? ['--issues', issues, ...args] : args, marker, GIT_ENV);
    const fleet = [start(0, true), start(1, true)];
    const output = () => fleet.map((c) => c.output()).join('\n---\n');
    let leaderPid = 0;
    await pollFor(async () => {
      const verifying = await pg.admin.query(`SELECT verify_pid FROM ${schema}.merge_entries WHERE state = 'merging' AND verify_pid IS NOT NULL`).catch(() => ({ rows: [] }));
      if (verifying.rows.length === 0) return false;
      const lease = await pg.admin.query(`SELECT holder FROM ${schema}.leases WHERE name = 'merge'`);
      leaderPid = Number(String(lease.rows[0]?.holder ?? '').split(':')[1]);
      return fleet.some((c) => c.pid === leaderPid);
    }, 30_000, () => `a merge to be verifying:\n${output()}`);
    const at = fleet.findIndex((c) => c.pid === leaderPid);
    fleet[at]!.kill('SIGKILL');
    await fleet[at]!.exited;
    fleet[at] = start(at, false);
    const codes = await Promise.all(fleet.map((c) => c.exited));
    expect(codes, output()).toEqual([0, 0]);
    const status = await pg.admin.query(`SELECT status, count(*)::int AS n FROM ${schema}.issues GROUP BY status`);
    expect(Object.fromEntries(status.rows.map((r: { status: string; n: number }) => [r.status, r.n])), output()).toEqual({ done: ids.length });
    for (const id of ids) expect(subjects(bare).filter((s) => s === `${id}: fix ${id}`), id).toHaveLength(1);
    const open = await pg.admin.query(`SELECT count(*)::int AS n FROM ${schema}.merge_entries WHERE state IN ('queued', 'merging')`);
    expect(open.rows[0].n).toBe(0);
    await waitFor(() => processesWithMarker(marker).length === 0, 15_000, "the fleet's processes to end");
  }, 60_000);

  it('opens a pull request for every branch of a fleet of checkouts, from whichever checkout leads', async () => {
    const { origin, marker, bare, clones } = sharedRemote('fleet-remote-pr', ['one', 'two']);
    const bin = join(origin.root, 'bin');
    mkdirSync(bin);
    copyFileSync(join(import.meta.dirname, '..', 'fixtures', 'merge', 'gh.mjs'), join(bin, 'gh'));
    chmodSync(join(bin, 'gh'), 0o755);
    const ghLog = join(origin.root, 'gh-calls.jsonl');
    const schema = pg.schema();
    const ids = ['P1', 'P2', 'P3', 'P4'];
    const issues = writeIssues(origin.root, ids.map((id) => ({ id, title: `fix ${id}`, body: `file: ${id}.txt\ntext: ${id}` })));
    const config = join(origin.root, 'harness.config.json');
    writeFileSync(config, JSON.stringify({ merge: { mode: 'pr' } }));
    const args = ['--store', fleetUrl(schema), '--config', config, '--worktrees', '--issues', issues, '--agent', AGENT, '--min-workers', '2', '--max-workers', '2', '--fleet-lease', '2s'];
    const env = { ...GIT_ENV, PATH: `${bin}:${process.env.PATH}`, FAKE_GH_LOG: ghLog };
    const fleet = clones.map((dir) => startCoordinator(dir, args, marker, env));
    const codes = await Promise.all(fleet.map((c) => c.exited));
    const output = fleet.map((c) => c.output()).join('\n---\n');
    expect(codes, output).toEqual([0, 0]);
    const entries = await pg.admin.query(`SELECT issue_id, state FROM ${schema}.merge_entries WHERE state = 'opened' ORDER BY issue_id`);
    expect(entries.rows.map((r: { issue_id: string }) => r.issue_id), output).toEqual(ids);
    expect(output).toMatch(/⇉ opened a pull request for P\d against main: https:\/\/github\.com\/example\/repo\/pull\/\d+/);
    expect(output).not.toMatch(/⇉ landed P\d/);
    // One pull request a branch, each branch on the remote as the checkout that made it committed it.
    const heads = readFileSync(ghLog, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as string[])[3]);
    expect(heads.sort()).toEqual(ids.map((id) => `harness/${id}`));
    for (const id of ids) expect(git(bare, 'log', '-1', '--format=%s', `harness/${id}`)).toBe(`${id}: fix ${id}`);
    const sessions = await pg.admin.query(`SELECT DISTINCT coordinator_id FROM ${schema}.sessions`);
    expect(sessions.rows.length).toBe(2);
  }, 60_000);

  it("refuses to start a fleet of checkouts on a target with commits the remote's lacks, saying how to fix it", async () => {
    const { origin, marker, bare, clones } = sharedRemote('fleet-remote-ahead', ['one']);
    const clone = clones[0]!;
    writeFileSync(join(clone, 'local.txt'), 'not pushed\n');
    git(clone, 'add', 'local.txt');
    git(clone, 'commit', '-q', '-m', 'local only');
    const issues = writeIssues(origin.root, [{ id: 'A1', title: 'fix A1', body: 'file: A1.txt\ntext: A1' }]);
    const config = join(origin.root, 'harness.config.json');
    writeFileSync(config, JSON.stringify({ merge: { push: 'origin' } }));
    const coordinator = startCoordinator(clone, ['--store', fleetUrl(pg.schema()), '--config', config, '--worktrees', '--issues', issues, '--agent', AGENT], marker, GIT_ENV);
    expect(await coordinator.exited, coordinator.output()).toBe(2);
    expect(coordinator.output()).toMatch(/main here has commits origin's main lacks: .*push them first \(git push origin main\) or drop them/);
    expect(subjects(bare)).not.toContain('local only');
  }, 30_000);
});

/** A repository, a bare remote cloned from it, and checkouts of that remote (as hosts of a fleet have them), removed after the test. */
function sharedRemote(name: string, checkouts: string[]) {
  const origin = makeRepo();
  cleanups.push(origin.cleanup);
  const marker = `${name}-${Date.now()}`;
  markers.push(marker);
  const bare = join(origin.root, 'remote.git');
  git(origin.root, 'clone', '-q', '--bare', origin.repo, bare);
  const clones = checkouts.map((checkout) => {
    const dir = join(origin.root, checkout);
    git(origin.root, 'clone', '-q', bare, dir);
    return dir;
  });
  return { origin, marker, bare, clones };
}

async function pollFor(check: () => Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
