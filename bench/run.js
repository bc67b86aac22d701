// N no-op sessions (`true` as the agent) through `harness run` with the
// durable store at 30 workers, against `xargs -P 30` (and GNU parallel when
// installed) running the same N commands, all in this one run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

function harnessRun(dir, count, sessions) {
  const issues = join(dir, `issues-${count}.jsonl`);
  writeFileSync(issues, Array.from({ length: count }, (_, i) => JSON.stringify({ id: `b${i}`, title: `no-op ${i}` })).join('\n') + '\n');
  const state = join(dir, `state-${count}.db`);
  return timed('harness', process.execPath, [
    BIN, 'run', '--issues', issues, '--agent', 'true', '--min-workers', '30', '--max-workers', '30',
    '--max-queue-depth', String(sessions), '--target-queue-depth', '10', '--state', state, '--quiet',
  ], { cwd: dir });
}

function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

export async function main({ sessions = Number(process.env.BENCH_SESSIONS ?? 1000) } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'harness-bench-run-'));
  try {
    const input = Array.from({ length: sessions }, (_, i) => String(i)).join('\n') + '\n';
    const xargs = timed('xargs', 'xargs', ['-P', '30', '-n', '1', 'true'], { input });
    const harness = harnessRun(dir, sessions, sessions);
    const bare = bareNodeLoop(sessions, false);
    const bareCapture = bareNodeLoop(sessions, true);
    const parallel = hasCommand('parallel') ? timed('parallel', 'parallel', ['-j', '30', 'true', ':::', ...input.trim().split('\n')]) : null;
    // One session: what a run costs before its first agent and after its last.
    const startup = harnessRun(dir, 1, sessions);
    const per = (ms) => (ms / sessions).toFixed(2);
    const ratio = harness / xargs;
    const times = (ms) => `${(ms / xargs).toFixed(2)}× xargs`;
    console.log('run: %d no-op sessions at 30 workers (durable SQLite store) against xargs -P 30', sessions);
    console.log('  xargs -P 30                  %s ms total, %s ms per job', xargs.toFixed(0), per(xargs));
    if (parallel !== null) console.log('  parallel -j 30               %s ms total, %s ms per job (%s)', parallel.toFixed(0), per(parallel), times(parallel));
    else console.log('  parallel -j 30               not installed (skipped)');
    console.log('  node spawn loop, stdio off   %s ms total, %s ms per job (%s)', bare.toFixed(0), per(bare), times(bare));
    console.log('  node spawn loop, stdin+pipes %s ms total, %s ms per job (%s: one Node process doing nothing but this)', bareCapture.toFixed(0), per(bareCapture), times(bareCapture));
    console.log('  harness run                  %s ms total, %s ms per session (%s)', harness.toFixed(0), per(harness), times(harness));
    console.log('    of which start-up and exit %s ms (a run of one session)', startup.toFixed(0));
    console.log('    each further session       %s ms', ((harness - startup) / (sessions - 1)).toFixed(2));
    console.log('  overhead                     %s ms per session over xargs', ((harness - xargs) / sessions).toFixed(2));
    console.log('  ratio                        %s× xargs (target ≤ 2×) %s', ratio.toFixed(2), ratio <= 2 ? 'PASS' : 'MISS');
    return { sessions, xargs, bare, bareCapture, parallel, harness, startup, ratio };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
