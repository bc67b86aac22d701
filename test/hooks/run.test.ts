import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/open.js';
import { fixture, guardProcesses, makeIO, tempDir, writeIssues } from '../helpers/cli.js';
import { GIT_ENV, makeRepo, subjects } from '../merge/repo.js';

const RECORD = join(import.meta.dirname, '..', 'fixtures', 'hooks', 'record.mjs');
const EDIT_AGENT = join(import.meta.dirname, '..', 'fixtures', 'merge', 'edit-agent.mjs');
const FAST = ['--min-workers', '2', '--max-workers', '2', '--health-interval', '100ms', '--cooldown', '200ms', '--retry-delay', '100ms', '--kill-grace', '300ms'];

const { cleanups, markers } = guardProcesses();

interface Call {
  hook: string;
  cwd: string;
  argv: string[];
  env: Record<string, string>;
  pid: number;
}

function readCalls(file: string): Call[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Call) : [];
}

function readState(dir: string) {
  const store = openStore(join(dir, '.harness', 'state.db'));
  try {
    const issues = Object.fromEntries(store.listIssues().map((i) => [i.id, i]));
    const sessions = Object.fromEntries(Object.keys(issues).map((id) => [id, store.sessionsForIssue(id)]));
    return { issues, sessions };
  } finally {
    store.close();
  }
}

/** `harness run` in `dir` on `issues` with `config`; every hook process carries the test's marker. */
async function run(dir: string, issues: object[], config: object, extra: string[]) {
  const issuesFile = writeIssues(join(dir, '..'), issues, `issues-${Date.now()}.jsonl`);
  const configFile = join(dir, '..', `harness-${Date.now()}.config.json`);
  writeFileSync(configFile, JSON.stringify(config));
  const t = makeIO(dir, GIT_ENV);
  markers.push(t.marker);
  const code = await main(['run', '--issues', issuesFile, '--config', configFile, ...FAST, ...extra], t.io);
  return { code, stdout: t.stdout(), stderr: t.stderr() };
}

/** A project directory (not a repository) inside a temporary directory that also holds the test's files. */
function sharedProject(): { dir: string; project: string } {
  const temp = tempDir('harness-hooks-');
  cleanups.push(temp.cleanup);
  const project = join(temp.dir, 'project');
  mkdirSync(project);
  return { dir: temp.dir, project };
}

describe('lifecycle hooks in harness run', () => {
  it('runs each hook at its point of a worktree run, in its workspace, with the HARNESS_* variables', async () => {
    const temp = makeRepo();
    cleanups.push(temp.cleanup);
    const calls = join(temp.root, 'calls.jsonl');
    const record = [process.execPath, RECORD, calls];
    const hooks = { afterCreate: record, beforeRun: record, afterRun: record, beforeRemove: record };
    const issues = ['A', 'B'].map((id) => ({ id, title: `fix ${id}`, body: `file: ${id}.txt` }));
    const result = await run(temp.repo, issues, { hooks }, ['--worktrees', '--agent', `"${process.execPath}" "${EDIT_AGENT}"`]);
    expect(result.code).toBe(0);

    const state = readState(temp.repo);
    const all = readCalls(calls);
    for (const id of ['A', 'B']) {
      const worktree = join(temp.repo, '.harness', 'worktrees', id);
      const [session] = state.sessions[id] ?? [];
      const mine = all.filter((c) => c.env.HARNESS_ISSUE_ID === id);
      expect(mine.map((c) => c.hook)).toEqual(['afterCreate', 'beforeRun', 'afterRun', 'beforeRemove']);
      for (const call of mine) expect(call).toMatchObject({ cwd: worktree, env: { HARNESS_HOOK: call.hook, HARNESS_WORKSPACE: worktree } });
      const [created, before, after] = mine;
      expect(created?.env).toMatchObject({ HARNESS_SESSION_ID: session?.id, HARNESS_WORKER_ID: session?.workerId, HARNESS_ATTEMPT: '1' });
      expect(before?.env).toMatchObject({ HARNESS_SESSION_ID: session?.id, HARNESS_ISSUE_TITLE: `fix ${id}`, HARNESS_ATTEMPT: '1' });
      expect(after?.env).toMatchObject({ HARNESS_SESSION_ID: session?.id, HARNESS_EXIT_CODE: '0', HARNESS_EXIT_SIGNAL: '' });
      // Its output is in the session's log, around the agent's.
      expect(readFileSync(session?.logPath ?? '', 'utf8')).toMatch(/^\[harness\] hook beforeRun: .*\ncommitted .*\n\[harness\] hook afterRun: /);
    }
    expect(subjects(temp.repo).slice(1).sort()).toEqual(['A: fix A', 'B: fix B']);
  });

  it('runs beforeRun and afterRun in the project in shared mode, and never afterCreate or beforeRemove; issue text reaches them only as variables', async () => {
    const { dir, project } = sharedProject();
    const calls = join(dir, 'calls.jsonl');
    const record = [process.execPath, RECORD, calls];
    const hostile = `$(touch pwned-1) \`touch pwned-2\`; touch pwned-3 && echo "$HOME" > pwned-4`;
    // A hook that is a shell script still only expands the title as a variable.
    const shell = ['sh', '-c', 'printf %s "$HARNESS_ISSUE_TITLE" > title.txt'];
    const result = await run(project, [{ id: 'A', title: hostile }], { hooks: { afterCreate: record, beforeRun: record, afterRun: shell, beforeRemove: record } }, [
      '--agent',
      fixture('succeed.mjs'),
    ]);
    expect(result.code).toBe(0);
    expect(readCalls(calls).map((c) => [c.hook, c.cwd, c.env.HARNESS_WORKSPACE, c.env.HARNESS_ISSUE_TITLE, c.argv])).toEqual([['beforeRun', project, project, hostile, []]]);
    expect(readFileSync(join(project, 'title.txt'), 'utf8')).toBe(hostile);
    for (const place of [project, dir]) expect(readdirSync(place).filter((name) => name.startsWith('pwned'))).toEqual([]);
  });

  it('fails the attempt when beforeRun fails, without starting the agent, with the hook’s output in the session log', async () => {
    const { dir, project } = sharedProject();
    const out = join(dir, 'agent.json');
    const beforeRun = [process.execPath, '-e', "if (process.env.HARNESS_ATTEMPT === '1') { console.log('database not ready'); process.exit(4) }"];
    const afterRun = [process.execPath, RECORD, join(dir, 'after.jsonl')];
    const issues = [{ id: 'A', title: 'fix A' }];
    const t = makeIO(project, { FIXTURE_OUT: out });
    markers.push(t.marker);
    const configFile = join(dir, 'harness.config.json');
    writeFileSync(configFile, JSON.stringify({ hooks: { beforeRun, afterRun } }));
    const code = await main(['run', '--issues', writeIssues(dir, issues), '--config', configFile, '--agent', fixture('env-dump.mjs'), ...FAST], t.io);
    expect(code).toBe(0);

    const { issues: byId, sessions } = readState(project);
    expect(byId.A).toMatchObject({ status: 'done', attempts: 2 });
    const [first, second] = sessions.A ?? [];
    expect(first).toMatchObject({ outcome: 'failure', reason: expect.stringMatching(/^hook beforeRun \(.*\) failed: exit code 4$/) });
    expect(second?.outcome).toBe('success');
    const log = readFileSync(first?.logPath ?? '', 'utf8');
    expect(log).toContain('database not ready\n');
    expect(log).toMatch(/\[harness\] hook beforeRun .* failed: exit code 4\n/);
    // The agent ran once, in the second attempt; afterRun ran after both.
    expect(JSON.parse(readFileSync(out, 'utf8')).env.HARNESS_ATTEMPT).toBe('2');
    expect(readCalls(join(dir, 'after.jsonl')).map((c) => c.env.HARNESS_ATTEMPT)).toEqual(['1', '2']);
    expect(t.stdout()).toMatch(/A attempt 1 failure in .* \(hook beforeRun \(.*\) failed: exit code 4\) → requeued/);
  });

  it('fails the preparation when afterCreate fails, and the retry makes the worktree afresh', async () => {
    const temp = makeRepo();
    cleanups.push(temp.cleanup);
    const afterCreate = [process.execPath, '-e', "if (process.env.HARNESS_ATTEMPT === '1') { console.log('no docker'); process.exit(2) }"];
    const result = await run(temp.repo, [{ id: 'A', title: 'fix A', body: 'file: A.txt' }], { hooks: { afterCreate } }, ['--worktrees', '--agent', `"${process.execPath}" "${EDIT_AGENT}"`]);
    expect(result.code).toBe(0);
    const { issues, sessions } = readState(temp.repo);
    expect(issues.A).toMatchObject({ status: 'done', attempts: 2 });
    const hookLog = join(temp.repo, '.harness', 'state.db.logs', 'hooks', 'A.log');
    expect(sessions.A?.[0]).toMatchObject({ outcome: 'failure', reason: `could not prepare the worktree: hook afterCreate (${afterCreate.join(' ')}) failed: exit code 2; log: ${hookLog}` });
    expect(readFileSync(hookLog, 'utf8')).toContain('no docker\n');
    expect(subjects(temp.repo)).toEqual(['initial', 'A: fix A']);
  });

  it('stops a beforeRun that hangs at hooks.timeoutMs, and the attempt fails', async () => {
    const { dir, project } = sharedProject();
    const calls = join(dir, 'calls.jsonl');
    const result = await run(project, [{ id: 'A', title: 'fix A' }], { maxAttempts: 1, hooks: { beforeRun: [process.execPath, RECORD, calls, '--stubborn'], timeoutMs: 300 } }, [
      '--agent',
      fixture('succeed.mjs'),
    ]);
    expect(result.code).toBe(1);
    const { issues } = readState(project);
    expect(issues.A).toMatchObject({ status: 'failed', lastError: expect.stringMatching(/hook beforeRun \(.*\) ran longer than 300 ms and was stopped/) });
    // The hook (which ignored SIGTERM) is gone: the guard checks that no process with the test's marker is left.
    expect(readCalls(calls)).toHaveLength(1);
  });

  it('reports a failing afterRun and keeps the session’s outcome', async () => {
    const { dir, project } = sharedProject();
    const result = await run(project, [{ id: 'A', title: 'fix A' }], { hooks: { afterRun: [process.execPath, '-e', 'process.exit(9)'] } }, ['--agent', fixture('succeed.mjs')]);
    expect(result.code).toBe(0);
    expect(readState(project).issues.A?.status).toBe('done');
    expect(result.stdout).toMatch(/⚠ hook afterRun \(.*\) failed: exit code 9 of A · log \.harness\/state\.db\.logs\/A-1-.*\.log/);
  });
});
