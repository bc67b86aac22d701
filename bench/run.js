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

/** The floor for any Node.js launcher: spawn N `true`s, 30 at a time, with piped stdio, nothing else. */
function bareNodeLoop(sessions) {
  const script = `
    const { spawn } = require('node:child_process');
    let started = 0, done = 0;
    const next = () => {
      if (started >= ${sessions}) return;
      started++;
      const child = spawn('true', [], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      child.stdin.on('error', () => {});
      child.stdin.end('prompt');
      child.on('exit', () => { if (++done < ${sessions}) next(); });
    };
    for (let i = 0; i < 30; i++) next();`;
  return timed('node spawn loop', process.execPath, ['-e', script]);
}

function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

export async function main({ sessions = Number(process.env.BENCH_SESSIONS ?? 1000) } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'harness-bench-run-'));
  try {
    const issues = join(dir, 'issues.jsonl');
    writeFileSync(issues, Array.from({ length: sessions }, (_, i) => JSON.stringify({ id: `b${i}`, title: `no-op ${i}` })).join('\n') + '\n');
    const input = Array.from({ length: sessions }, (_, i) => String(i)).join('\n') + '\n';
    const xargs = timed('xargs', 'xargs', ['-P', '30', '-n', '1', 'true'], { input });
    const bare = bareNodeLoop(sessions);
    const parallel = hasCommand('parallel') ? timed('parallel', 'parallel', ['-j', '30', 'true', ':::', ...input.trim().split('\n')]) : null;
    const harness = timed('harness', process.execPath, [
      BIN, 'run', '--issues', issues, '--agent', 'true', '--min-workers', '30', '--max-workers', '30',
      '--max-queue-depth', String(sessions), '--target-queue-depth', '10', '--state', join(dir, 'state.db'), '--quiet',
    ], { cwd: dir });
    const per = (ms) => (ms / sessions).toFixed(2);
    const ratio = harness / xargs;
    console.log('run: %d no-op sessions at 30 workers (durable SQLite store) against xargs -P 30', sessions);
    console.log('  xargs -P 30      %s ms total, %s ms per job', xargs.toFixed(0), per(xargs));
    if (parallel !== null) console.log('  parallel -j 30   %s ms total, %s ms per job', parallel.toFixed(0), per(parallel));
    else console.log('  parallel -j 30   not installed (skipped)');
    console.log('  node spawn loop  %s ms total, %s ms per job (%s× xargs: the floor for any Node launcher)', bare.toFixed(0), per(bare), (bare / xargs).toFixed(2));
    console.log('  harness run      %s ms total, %s ms per session (%s× the bare Node loop)', harness.toFixed(0), per(harness), (harness / bare).toFixed(2));
    console.log('  overhead         %s ms per session over xargs', ((harness - xargs) / sessions).toFixed(2));
    console.log('  ratio            %s× xargs (target ≤ 2×) %s', ratio.toFixed(2), ratio <= 2 ? 'PASS' : 'MISS');
    return { sessions, xargs, bare, parallel, harness, ratio };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
