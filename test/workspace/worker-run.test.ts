import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/open.js';
import { guardProcesses, makeIO, writeIssues } from '../helpers/cli.js';
import { startSessionOn } from '../helpers/store.js';
import { commitFile, git, GIT_ENV, makeRepo, subjects } from '../merge/repo.js';

const AGENT = join(import.meta.dirname, '..', 'fixtures', 'hooks', 'worker-agent.mjs');
const RECORD = join(import.meta.dirname, '..', 'fixtures', 'hooks', 'record.mjs');
const FAST = ['--health-interval', '100ms', '--cooldown', '200ms', '--retry-delay', '100ms', '--kill-grace', '300ms'];

const { cleanups, markers } = guardProcesses();

interface AgentSaw {
  issue: string;
  worker: string;
  cwd: string;
  branch: string;
  scratch: string | null;
  readme: string | null;
  installed: boolean;
}

/** A repository whose node_modules/ is ignored, a backlog, and `harness run` in worker mode with a setup that counts its runs. */
function project(ids: string[], workers: string[], extraConfig: object = {}) {
  const temp = makeRepo({ 'README.md': 'hello\n', '.gitignore': 'node_modules/\n' });
  cleanups.push(temp.cleanup);
  const files = { agentLog: join(temp.root, 'agent.jsonl'), setups: join(temp.root, 'setups'), hooks: join(temp.root, 'hooks.jsonl') };
  const issues = writeIssues(temp.root, ids.map((id) => ({ id, title: `fix ${id}`, body: 'sleep: 150' })));
  const setup = [process.execPath, '-e', `const fs = require('fs'); fs.mkdirSync('node_modules', { recursive: true }); fs.writeFileSync('node_modules/.installed', ''); fs.appendFileSync(${JSON.stringify(files.setups)}, 'x')`];
  const config = join(temp.root, 'harness.config.json');
  const record = [process.execPath, RECORD, files.hooks];
  writeFileSync(config, JSON.stringify({ workspace: { mode: 'worker', setup }, hooks: { afterCreate: record, beforeRemove: record }, ...extraConfig }));
  const t = makeIO(temp.repo, { ...GIT_ENV, WORKER_AGENT_LOG: files.agentLog });
  markers.push(t.marker);
  const args = ['run', '--issues', issues, '--config', config, '--agent', `"${process.execPath}" "${AGENT}"`, ...workers, ...FAST];
  const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
  return {
    temp,
    t,
    run: () => main(args, t.io),
    saw: (): AgentSaw[] => lines(files.agentLog),
    hooks: (): { hook: string; cwd: string; env: Record<string, string> }[] => lines(files.hooks),
    setups: () => (existsSync(files.setups) ? readFileSync(files.setups, 'utf8').length : 0),
  };
}

describe('harness run with worker workspaces', () => {
  it('runs setup once per worker, resets the worktree between issues, and lands every issue through the merge queue', async () => {
    const ids = ['A', 'B', 'C', 'D', 'E', 'F'];
    const p = project(ids, ['--min-workers', '2', '--max-workers', '2']);
    expect(await p.run()).toBe(0);

    const saw = p.saw();
    expect(saw.map((s) => s.issue).sort()).toEqual(ids);
    const workers = new Set(saw.map((s) => s.cwd));
    expect(workers.size).toBeLessThanOrEqual(2);
    // One setup per worker worktree, not one per issue.
    expect(p.setups()).toBe(workers.size);
    for (const s of saw) {
      expect(s.branch).toBe(`harness/${s.issue}`);
      expect(s.installed).toBe(true);
      // Whatever an earlier issue left on this worker (an untracked file, an uncommitted edit) is gone.
      expect(s.scratch).toBeNull();
      expect(s.readme).toBe('hello\n');
    }
    expect(subjects(p.temp.repo).slice(1).sort()).toEqual(ids.map((id) => `${id}: fix ${id}`));
    expect(git(p.temp.repo, 'for-each-ref', 'refs/heads/harness/')).toBe('');
    // The workers' worktrees went with the run (beforeRemove first); the merge worktree stays, as in worktree mode.
    expect(readdirSync(join(p.temp.repo, '.harness', 'workers')).filter((n) => n !== '.gitignore')).toEqual([]);
    expect(git(p.temp.repo, 'worktree', 'list').split('\n')).toHaveLength(2);
    const hooks = p.hooks();
    expect(hooks.filter((h) => h.hook === 'afterCreate').map((h) => h.cwd).sort()).toEqual([...workers].sort());
    expect(hooks.filter((h) => h.hook === 'beforeRemove').map((h) => h.cwd).sort()).toEqual([...workers].sort());
  });

  it('recycles a worker at maxSessionsPerWorker into a new worktree, set up afresh', async () => {
    const p = project(['A', 'B', 'C', 'D'], ['--min-workers', '1', '--max-workers', '1', '--max-sessions-per-worker', '2']);
    expect(await p.run()).toBe(0);
    const saw = p.saw();
    expect(saw.map((s) => s.worker)).toEqual(['worker-1', 'worker-1', 'worker-2', 'worker-2']);
    const [first, , third] = saw;
    expect(third?.cwd).not.toBe(first?.cwd);
    expect(p.setups()).toBe(2);
    expect(existsSync(first?.cwd ?? '')).toBe(false);
    // worker-1's worktree was removed when it retired, before the run ended with worker-2's.
    expect(p.hooks().map((h) => [h.hook, h.env.HARNESS_WORKER_ID])).toEqual([
      ['afterCreate', 'worker-1'],
      ['beforeRemove', 'worker-1'],
      ['afterCreate', 'worker-2'],
      ['beforeRemove', 'worker-2'],
    ]);
    expect(subjects(p.temp.repo)).toHaveLength(5);
  });

  it('clears the worktree a dead harness left on an issue’s branch, and redoes the issue from its commits', async () => {
    const p = project(['A'], ['--min-workers', '1', '--max-workers', '1']);
    // A harness died while worker-3 worked on A: A's session is open in the store, its branch checked out there with a commit and an edit.
    const stale = join(p.temp.repo, '.harness', 'workers', 'worker-3');
    git(p.temp.repo, 'worktree', 'add', '-q', '-b', 'harness/A', stale, 'main');
    commitFile(stale, 'A.txt', 'A\n', 'A: fix A');
    writeFileSync(join(stale, 'README.md'), 'mid-session\n');
    const store = openStore(join(p.temp.repo, '.harness', 'state.db'));
    store.importIssues([{ id: 'A', title: 'fix A', body: 'sleep: 150', priority: 2, labels: [] }], 1);
    startSessionOn(store, { sessionId: 'dead-1', issueId: 'A', workerId: 'worker-3', now: 2, logPath: null });
    store.close();

    expect(await p.run()).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(p.hooks()[0]).toMatchObject({ hook: 'beforeRemove', cwd: stale, env: { HARNESS_WORKER_ID: 'worker-3' } });
    const [redo] = p.saw();
    expect(redo).toMatchObject({ issue: 'A', branch: 'harness/A', readme: 'hello\n' });
    expect(redo?.cwd).not.toBe(stale);
    // The redo started from the dead session's commit (not its uncommitted edit), which lands.
    expect(subjects(p.temp.repo)).toEqual(['initial', 'A: fix A']);
  });
});
