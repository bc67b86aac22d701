// No-op session dispatch through the PostgreSQL store, one coordinator and
// four, against the SQLite store, in this one run: N sessions (`true` as the
// agent, N = 600 unless BENCH_FLEET_SESSIONS says) at 32 workers in all,
// end to end with start-up and exit, each run on a fresh store. Four
// coordinators are four `harness run --store` processes on one schema, 8
// workers each, all given the same issues file (known ids are left as they
// are), timed from the first start to the last exit. Each setup is also
// run with one issue, so that what start-up and exit cost can be taken off
// ("after start-up"). Target: PostgreSQL's time per session at most 2×
// SQLite's.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { findPostgres } from './pg-server.js';

const BIN = fileURLToPath(new URL('../bin/harness.js', import.meta.url));
const TARGET_RATIO = 2;
const WORKERS = 32;

function harness(cwd, args) {
  return new Promise((resolve, reject) => {
    let stderr = '';
    const child = spawn(process.execPath, [BIN, 'run', ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`harness run exited ${code}: ${stderr}`))));
  });
}

const common = (workers) => ['--agent', 'true', '--min-workers', String(workers), '--max-workers', String(workers), '--max-queue-depth', '1000', '--target-queue-depth', '10', '--quiet'];

async function timed(run) {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const range = (values) => `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)} ms`;

export async function main({ sessions = Number(process.env.BENCH_FLEET_SESSIONS ?? 600), rounds = Number(process.env.BENCH_FLEET_ROUNDS ?? 3) } = {}) {
  console.log(`fleet dispatch: ${sessions} no-op sessions at ${WORKERS} workers, SQLite against PostgreSQL with 1 and 4 coordinators`);
  const server = await findPostgres();
  if (server.skipped) {
    console.log(`  skipped: no PostgreSQL server (${server.skipped})`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'harness-bench-fleet-'));
  const admin = new pg.Pool({ connectionString: server.url, max: 1 });
  const schemas = [];
  const storeUrl = (schema) => {
    const url = new URL(server.url);
    url.searchParams.set('schema', schema);
    return url.toString();
  };
  try {
    const issuesOf = (count) => {
      const file = join(dir, `issues-${count}.jsonl`);
      writeFileSync(file, Array.from({ length: count }, (_, i) => JSON.stringify({ id: `b${i}`, title: `no-op ${i}` })).join('\n') + '\n');
      return file;
    };
    const files = { all: issuesOf(sessions), one: issuesOf(1) };
    // Each setup with every session, and with one (its start-up and exit): the difference is what the sessions cost.
    const times = { sqlite: { all: [], one: [] }, pg1: { all: [], one: [] }, pg4: { all: [], one: [] } };
    let n = 0;
    const fresh = () => {
      const cwd = join(dir, `run-${++n}`);
      mkdirSync(cwd);
      return cwd;
    };
    const schema = () => {
      const name = `bench_fleet_${process.pid}_${++n}`;
      schemas.push(name);
      return storeUrl(name);
    };
    const setups = {
      sqlite: (file) => harness(fresh(), ['--issues', file, ...common(WORKERS)]),
      pg1: (file) => harness(fresh(), ['--store', schema(), '--issues', file, ...common(WORKERS)]),
      pg4: (file) => {
        const url = schema();
        const cwd = fresh();
        return Promise.all([0, 1, 2, 3].map(() => harness(cwd, ['--store', url, '--issues', file, ...common(WORKERS / 4)])));
      },
    };
    for (let round = 0; round < rounds; round++) {
      for (const [key, run] of Object.entries(setups)) {
        times[key].all.push(await timed(() => run(files.all)));
        times[key].one.push(await timed(() => run(files.one)));
      }
    }
    const per = (ms) => ms / sessions;
    const after = (key) => (median(times[key].all) - median(times[key].one)) / (sessions - 1);
    const sqlite = median(times.sqlite.all);
    console.log(`  PostgreSQL: ${server.origin}; ${rounds} rounds, medians; "after start-up" takes off a run of one issue`);
    console.log(`  SQLite             ${sqlite.toFixed(0)} ms (${range(times.sqlite.all)}), ${per(sqlite).toFixed(2)} ms per session; after start-up ${after('sqlite').toFixed(2)} ms`);
    for (const [label, key] of [['PostgreSQL, 1 coordinator ', 'pg1'], ['PostgreSQL, 4 coordinators', 'pg4']]) {
      const ms = median(times[key].all);
      const ratio = ms / sqlite;
      const afterRatio = after(key) / after('sqlite');
      console.log(
        `  ${label} ${ms.toFixed(0)} ms (${range(times[key].all)}), ${per(ms).toFixed(2)} ms per session: ${ratio.toFixed(2)}× SQLite (target ≤ ${TARGET_RATIO}×: ${ratio <= TARGET_RATIO ? 'met' : 'not met'}); ` +
          `after start-up ${after(key).toFixed(2)} ms, ${afterRatio.toFixed(2)}×`,
      );
    }
  } finally {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await admin.end();
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
