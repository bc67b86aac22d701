// Start-up, in one run: `harness --help` against a bare `node -e 0`, and how
// long after it is started `harness run` spawns its first agent, against the
// time a bare `node -e 0` takes to start and exit.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/harness.js', import.meta.url));
/** First spawn at most this long (ms) after a bare `node -e 0` would have exited. */
const FIRST_SPAWN_TARGET_MS = 150;

function run(args, options = {}) {
  const result = spawnSync(process.execPath, args, { stdio: 'ignore', ...options });
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`);
}

function timeCommand(args) {
  const start = process.hrtime.bigint();
  run(args);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Wall-clock ms from starting `harness run` (one issue, a fresh state) to
 * the moment its agent starts. The agent is a shell script that puts the
 * wall clock in a file with `exec date`, so what it adds is one exec of
 * sh and one of date (about a millisecond), counted against harness.
 */
function firstSpawn(dir, round) {
  const cwd = join(dir, `first-spawn-${round}`);
  mkdirSync(cwd);
  const issues = join(cwd, 'issues.jsonl');
  writeFileSync(issues, JSON.stringify({ id: 'first', title: 'the first session' }) + '\n');
  const agent = join(cwd, 'agent.sh');
  writeFileSync(agent, '#!/bin/sh\nexec date +%s%3N > "$BENCH_SPAWN_STAMP"\n');
  chmodSync(agent, 0o755);
  const stamp = join(cwd, 'spawned-at');
  const start = Date.now();
  run([BIN, 'run', '--issues', issues, '--agent', agent, '--quiet'], { cwd, env: { ...process.env, BENCH_SPAWN_STAMP: stamp } });
  const spawnedAt = Number(readFileSync(stamp, 'utf8').trim());
  if (!Number.isFinite(spawnedAt)) throw new Error('the first-spawn agent needs a `date` that prints milliseconds (GNU date: +%s%3N)');
  return spawnedAt - start;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const range = (values) => `[${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}]`;

/** Interleaved rounds (the machine's speed drifts): node, help, first spawn; medians, with each range. */
export async function main({ runs = Number(process.env.BENCH_STARTUP_ROUNDS ?? 15) } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'harness-bench-startup-'));
  try {
    timeCommand(['-e', '0']);
    timeCommand([BIN, '--help']);
    firstSpawn(dir, 'warm-up');
    const times = { node: [], help: [], spawn: [] };
    for (let round = 0; round < runs; round++) {
      times.node.push(timeCommand(['-e', '0']));
      times.help.push(timeCommand([BIN, '--help']));
      times.spawn.push(firstSpawn(dir, round));
    }
    const node = median(times.node);
    const help = median(times.help);
    const spawn = median(times.spawn);
    const ratio = help / node;
    const after = spawn - node;
    console.log('startup: against a bare `node -e 0`, median of %d interleaved rounds [range]', runs);
    console.log('  node -e 0                     %s ms %s', node.toFixed(1), range(times.node));
    console.log('  harness --help                %s ms %s', help.toFixed(1), range(times.help));
    console.log('    ratio                       %s× (target ≤ 3×) %s', ratio.toFixed(2), ratio <= 3 ? 'PASS' : 'MISS');
    console.log('  harness run, first spawn      %s ms after start %s', spawn.toFixed(1), range(times.spawn));
    console.log('    after node -e 0 would exit  %s ms (target ≤ %d ms) %s', after.toFixed(1), FIRST_SPAWN_TARGET_MS, after <= FIRST_SPAWN_TARGET_MS ? 'PASS' : 'MISS');
    return { node, help, ratio, firstSpawn: spawn, firstSpawnAfterNode: after };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
