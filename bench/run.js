// N no-op sessions (`true` as the agent, N = 600 unless BENCH_SESSIONS says)
// through `harness run` with the durable store at 30 workers, end to end and
// start-up included, against `xargs -P 30` (and GNU parallel when installed)
// running the same N commands, all in this one run. The headline is that
// ratio; the per-session figures follow.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/harness.js', import.meta.url));

function timed(label, command, args, options) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['pipe', 'ignore', 'pipe'], ...options });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${label} exited ${result.status}: ${result.stderr}`);
  return ms;
}

/**
 * A bare Node.js spawn loop: N `true`s, 30 at a time, nothing else. `capture`
 * gives each child what harness gives an agent (a prompt on stdin, stdout
 * and stderr read through pipes, its own process group); without it the
 * children's stdio is ignored.
 */
function bareNodeLoop(sessions, capture) {
  const script = `
    const { spawn } = require('node:child_process');
    let started = 0, done = 0;
    const next = () => {
      if (started >= ${sessions}) return;
      started++;
      const child = spawn('true', [], { stdio: ${capture ? "['pipe', 'pipe', 'pipe']" : "'ignore'"}, detached: true });
      if (child.stdin) { child.stdin.on('error', () => {}); child.stdin.end('prompt'); }
      for (const s of [child.stdout, child.stderr]) if (s) s.on('data', () => {});
      child.on('close', () => { if (++done < ${sessions}) next(); });
    };
    for (let i = 0; i < 30; i++) next();`;
  return timed('node spawn loop', process.execPath, ['-e', script]);
}

/** `harness run` of `count` no-op issues on a fresh store and a fresh working directory. */
function harnessRun(dir, count, tag) {
  const cwd = join(dir, `run-${count}-${tag}`);
  mkdirSync(cwd);
  const issues = join(cwd, 'issues.jsonl');
  writeFileSync(issues, Array.from({ length: count }, (_, i) => JSON.stringify({ id: `b${i}`, title: `no-op ${i}` })).join('\n') + '\n');
  return timed('harness', process.execPath, [
    BIN, 'run', '--issues', issues, '--agent', 'true', '--min-workers', '30', '--max-workers', '30',
    '--max-queue-depth', String(Math.max(count, 10)), '--target-queue-depth', '10', '--quiet',
  ], { cwd });
}

function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * This machine's speed drifts from minute to minute, so every contender runs
 * `rounds` times, interleaved (xargs, harness, the loops; again; then
 * parallel), and the figures are medians, with the range of each shown next
 * to it.
 */
/** The end-to-end target: harness at most this many times xargs. */
const TARGET_RATIO = 2;

export async function main({ sessions = Number(process.env.BENCH_SESSIONS ?? 600), rounds = Number(process.env.BENCH_ROUNDS ?? 3) } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'harness-bench-run-'));
  try {
    const input = Array.from({ length: sessions }, (_, i) => String(i)).join('\n') + '\n';
    const withParallel = hasCommand('parallel');
    const runs = { xargs: [], harness: [], bare: [], bareCapture: [], parallel: [], startup: [] };
    for (let round = 0; round < rounds; round++) {
      runs.xargs.push(timed('xargs', 'xargs', ['-P', '30', '-n', '1', 'true'], { input }));
      runs.harness.push(harnessRun(dir, sessions, `${round}`));
      runs.bare.push(bareNodeLoop(sessions, false));
      runs.bareCapture.push(bareNodeLoop(sessions, true));
      // One session: what a run costs before its first agent and after its last.
      runs.startup.push(harnessRun(dir, 1, `${round}`));
    }
    // GNU parallel last: it creates and deletes temporary files for every job,
    // and on ext4 the file creations that follow such churn (harness's logs)
    // cost more for a while; interleaved, it would slow the next harness run.
    for (let round = 0; round < rounds && withParallel; round++) {
      runs.parallel.push(timed('parallel', 'parallel', ['-j', '30', 'true', ':::', ...input.trim().split('\n')]));
    }
    const m = Object.fromEntries(Object.entries(runs).map(([name, values]) => [name, values.length > 0 ? median(values) : null]));
    const range = (name) => (runs[name].length > 1 ? ` [${Math.min(...runs[name]).toFixed(0)}–${Math.max(...runs[name]).toFixed(0)}]` : '');
    const per = (ms) => (ms / sessions).toFixed(2);
    const times = (ms) => `${(ms / m.xargs).toFixed(2)}× xargs`;
    const ratio = m.harness / m.xargs;
    console.log('run: %d no-op sessions at 30 workers (durable SQLite store) against xargs -P 30, end to end; median of %d rounds [range]', sessions, rounds);
    console.log('  ratio                        %s× xargs, start-up included (target ≤ %d×) %s', ratio.toFixed(2), TARGET_RATIO, ratio <= TARGET_RATIO ? 'PASS' : 'MISS');
    console.log('  xargs -P 30                  %s ms total%s, %s ms per job', m.xargs.toFixed(0), range('xargs'), per(m.xargs));
    if (m.parallel !== null) console.log('  parallel -j 30               %s ms total%s, %s ms per job (%s)', m.parallel.toFixed(0), range('parallel'), per(m.parallel), times(m.parallel));
    else console.log('  parallel -j 30               not installed (skipped)');
    console.log('  node spawn loop, stdio off   %s ms total%s, %s ms per job (%s)', m.bare.toFixed(0), range('bare'), per(m.bare), times(m.bare));
    console.log('  node spawn loop, stdin+pipes %s ms total%s, %s ms per job (%s: one Node process doing nothing but this)', m.bareCapture.toFixed(0), range('bareCapture'), per(m.bareCapture), times(m.bareCapture));
    console.log('  harness run                  %s ms total%s, %s ms per session (%s)', m.harness.toFixed(0), range('harness'), per(m.harness), times(m.harness));
    console.log('    of which start-up and exit %s ms%s (a run of one session)', m.startup.toFixed(0), range('startup'));
    console.log('    each further session       %s ms', ((m.harness - m.startup) / (sessions - 1)).toFixed(2));
    console.log('  overhead                     %s ms per session over xargs', ((m.harness - m.xargs) / sessions).toFixed(2));
    return { sessions, rounds, ...m, ratio };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
