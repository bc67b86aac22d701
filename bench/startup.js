// `harness --help` start-up time against a bare `node -e 0`, in one run.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/harness.js', import.meta.url));

function timeCommand(args, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { stdio: 'ignore' });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export async function main({ runs = 15 } = {}) {
  timeCommand(['-e', '0'], 3);
  timeCommand([BIN, '--help'], 3);
  const node = timeCommand(['-e', '0'], runs);
  const help = timeCommand([BIN, '--help'], runs);
  const ratio = help / node;
  console.log('startup: `harness --help` against `node -e 0` (median of %d runs)', runs);
  console.log('  node -e 0        %s ms', node.toFixed(1));
  console.log('  harness --help   %s ms', help.toFixed(1));
  console.log('  ratio            %s× (target ≤ 3×) %s', ratio.toFixed(2), ratio <= 3 ? 'PASS' : 'MISS');
  return { node, help, ratio };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
