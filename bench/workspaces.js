// Worker workspaces against a worktree per issue, on the bundled example
// agent (examples/commit-agent.mjs: it writes a note and commits, after
// 0.5-1.5 s) with a setup step that takes about a second (it stands in for
// `npm ci`: it waits 1 s, then makes an ignored node_modules/ and counts
// itself). N issues (12 unless BENCH_WORKSPACE_ISSUES says), 3 workers, the
// local merge queue; each mode runs in a fresh scratch repository, the two
// interleaved, BENCH_WORKSPACE_ROUNDS rounds (3). Printed: wall time of the
// whole `harness run` (start-up and merges included) and how often setup ran.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/harness.js', import.meta.url));
const AGENT = fileURLToPath(new URL('../examples/commit-agent.mjs', import.meta.url));
const ISSUES = Number(process.env.BENCH_WORKSPACE_ISSUES ?? 12);
const ROUNDS = Number(process.env.BENCH_WORKSPACE_ROUNDS ?? 3);
const WORKERS = 3;
const GIT_ENV = { GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };

function git(cwd, ...args) {
  const result = spawnSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

/** A scratch repository as in the README's quick start, with node_modules/ ignored and N issues on distinct files. */
function scratch() {
  const root = mkdtempSync(join(tmpdir(), 'harness-bench-ws-'));
  const repo = join(root, 'repo');
  spawnSync('git', ['init', '-q', '-b', 'main', repo]);
  writeFileSync(join(repo, 'README.md'), '# scratch\n');
  writeFileSync(join(repo, '.gitignore'), 'node_modules/\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'initial');
  const issues = join(root, 'issues.jsonl');
  writeFileSync(issues, Array.from({ length: ISSUES }, (_, i) => JSON.stringify({ id: `NOTE-${i + 1}`, title: `Write note ${i + 1}`, body: `file: notes/${i + 1}.md` })).join('\n') + '\n');
  return { root, repo, issues };
}

function runMode(mode) {
  const { root, repo, issues } = scratch();
  try {
    const counter = join(root, 'setups');
    const setup = [process.execPath, '-e', `setTimeout(() => { const fs = require('fs'); fs.mkdirSync('node_modules', { recursive: true }); fs.appendFileSync(${JSON.stringify(counter)}, 'x') }, 1000)`];
    const config = join(root, 'harness.config.json');
    writeFileSync(config, JSON.stringify({ workspace: { mode, setup } }));
    const start = process.hrtime.bigint();
    const result = spawnSync(
      process.execPath,
      [BIN, 'run', '--issues', issues, '--config', config, '--agent', `"${process.execPath}" "${AGENT}"`, '--min-workers', String(WORKERS), '--max-workers', String(WORKERS), '--quiet'],
      { cwd: repo, env: { ...process.env, ...GIT_ENV }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' },
    );
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`harness run (${mode}) exited ${result.status}: ${result.stderr}`);
    const landed = git(repo, 'rev-list', '--count', 'main') - 1;
    if (landed !== ISSUES) throw new Error(`${mode}: ${landed} of ${ISSUES} issues landed`);
    return { ms, setups: existsSync(counter) ? readFileSync(counter, 'utf8').length : 0 };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

export async function main() {
  console.log(`workspaces: ${ISSUES} issues of the example agent, ${WORKERS} workers, a 1 s setup, worktree vs worker mode (${ROUNDS} rounds)`);
  const runs = { worktree: [], worker: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 === 0 ? ['worktree', 'worker'] : ['worker', 'worktree']) runs[mode].push(runMode(mode));
  }
  for (const mode of ['worktree', 'worker']) {
    const times = runs[mode].map((r) => r.ms);
    const setups = [...new Set(runs[mode].map((r) => r.setups))].join('/');
    console.log(`  ${mode.padEnd(8)} wall ${seconds(median(times))} median (${seconds(Math.min(...times))}–${seconds(Math.max(...times))}), setup ran ${setups} time(s)`);
  }
  const saved = 1 - median(runs.worker.map((r) => r.ms)) / median(runs.worktree.map((r) => r.ms));
  console.log(`  worker mode: ${(saved * 100).toFixed(0)} % less wall time`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
