// `npm run bench`: every benchmark, each printing its figures and its ratio
// against the peer named in its issue, measured in this same run.
import { fileURLToPath } from 'node:url';

const benches = [
  ['startup', './startup.js'],
  ['run', './run.js'],
  ['load test', './loadtest.js'],
  ['metrics', './metrics.js'],
  ['parse', './parse.js'],
  ['dashboard', './dashboard.js'],
  ['dashboard --store', './dashboard-store.js'],
  ['workspaces', './workspaces.js'],
  ['postgres claims', './pg-claims.js'],
  ['fleet dispatch', './fleet-dispatch.js'],
];

const only = process.argv.slice(2);
for (const [name, path] of benches) {
  if (only.length > 0 && !only.some((o) => name.includes(o))) continue;
  let mod;
  try {
    mod = await import(path);
  } catch (error) {
    if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes(fileURLToPath(new URL(path, import.meta.url)))) continue;
    throw error;
  }
  console.log('');
  await mod.main();
}
