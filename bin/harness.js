#!/usr/bin/env node
// The harness command. Everything lives in the compiled package; this file
// only starts it and turns its result into an exit code.
// A closed pipe on stdout (`harness run | head`) or a terminal that went away
// (EIO) must not kill the harness while its agents are running; output is
// simply dropped from then on.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE' && error.code !== 'EIO') throw error;
  });
}
let cli;
try {
  cli = await import('../dist/cli/main.js');
} catch (error) {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist')) {
    process.stderr.write('harness: the package is not built. Run `npm install` (or `npm run build`) in its directory.\n');
    process.exit(1);
  }
  throw error;
}
process.exit(await cli.main(process.argv.slice(2)));
