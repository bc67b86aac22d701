#!/usr/bin/env node
// The harness command. Everything lives in the compiled package; this file
// only starts it and turns its result into an exit code.
// A closed pipe on stdout (`harness run | head`) must not kill the harness
// while its agents are running; output is simply dropped from then on.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
  });
}
let cli;
let spares = null;
try {
  // `run` starts its agents from launcher processes; booting them now
  // overlaps their start-up with loading the CLI.
  if (process.argv[2] === 'run') {
    spares = await import('../dist/agents/launcher/spare.js');
    spares.startSpareLaunchers();
  }
  cli = await import('../dist/cli/main.js');
} catch (error) {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist')) {
    process.stderr.write('harness: the package is not built. Run `npm install` (or `npm run build`) in its directory.\n');
    process.exit(1);
  }
  throw error;
}
const code = await cli.main(process.argv.slice(2));
// A run that failed before it needed them leaves its spare launchers unused.
await spares?.closeSpareLaunchers();
process.exit(code);
