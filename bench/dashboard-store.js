// `harness dashboard --store` on a fleet's PostgreSQL store: two live
// coordinators with 30 running sessions between them, 10,000 finished
// issues, the store changing every second as a live fleet changes it
// (every running session's progress and activity, the coordinators'
// heartbeats, a session ending and the next starting every other second,
// a snapshot every 5 s). One event stream open at one update a second;
// measured from /proc: the CPU the dashboard process uses, and the CPU of
// the PostgreSQL backend serving its connection. Target: the dashboard
// process < 2 % of one core. Needs a server (HARNESS_TEST_PG_URL, default
// postgres://postgres@127.0.0.1:5432/postgres) on this machine;
// BENCH_DASHBOARD_FINISHED changes the number of finished issues.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openPostgresStore } from '../dist/store/postgres/index.js';

const BIN = fileURLToPath(new URL('../bin/harness.js', import.meta.url));
const URL_ = process.env.HARNESS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RUNNING = 30;
const FINISHED = Number(process.env.BENCH_DASHBOARD_FINISHED ?? 10_000);
const TARGET = 0.02;

function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** A fleet's store after 10,000 issues, seeded in bulk; the coordinators joined through the store itself. */
async function generate(admin, schema, now) {
  const a = await openPostgresStore(URL_, { schema });
  const b = await openPostgresStore(URL_, { schema });
  const info = (host, pid) => ({ host, pid, processStart: null, version: 'bench', maxWorkers: 15, startedAt: now - 6 * 3_600_000, leaseMs: 60_000, fleetMaxWorkers: null });
  const ids = [(await a.joinFleet(info('bench-a', 1))).id, (await b.joinFleet(info('bench-b', 2))).id];
  await admin.query(`SET search_path TO ${schema}`);
  const span = 6 * 3_600_000 - 120_000;
  await admin.query(
    `INSERT INTO issues (id, title, body, priority, status, attempts, seq, created_at, updated_at)
     SELECT 'B-' || i, 'Issue ' || i || ': handle case ' || i, '', 2,
       CASE WHEN i <= $2::int THEN CASE WHEN i % 9 = 0 THEN 'failed' ELSE 'done' END WHEN i <= $2::int + $3::int THEN 'running' ELSE 'queued' END,
       CASE WHEN i <= $2::int + $3::int THEN 1 ELSE 0 END, nextval('issue_seq'), $1::float8, $1::float8 + i
     FROM generate_series(1, $2::int + $3::int + 400) i`,
    [now - 6 * 3_600_000, FINISHED, RUNNING],
  );
  await admin.query(
    `INSERT INTO sessions (id, issue_id, worker_id, attempt, started_at, last_progress_at, ended_at, outcome, cost_usd, input_tokens, output_tokens, coordinator_id)
     SELECT 'done-' || i, 'B-' || i, 'worker-' || (1 + i % 15), 1, $1::float8 + (i::float8 / $2::int) * $3::float8, $1::float8 + (i::float8 / $2::int) * $3::float8,
       $1::float8 + (i::float8 / $2::int) * $3::float8 + 60000 + (i % 600) * 1000, CASE WHEN i % 9 = 0 THEN 'failure' ELSE 'success' END, 0.02, 4000, 900,
       CASE WHEN i % 2 = 0 THEN $4::text ELSE $5::text END
     FROM generate_series(1, $2::int) i`,
    [now - 6 * 3_600_000, FINISHED, span, ids[0], ids[1]],
  );
  await admin.query(
    `INSERT INTO sessions (id, issue_id, worker_id, attempt, started_at, last_progress_at, coordinator_id)
     SELECT 'run-' || i, 'B-' || ($2::int + i), 'worker-' || (1 + i % 15), 1, $1::float8 - 300000 + i * 5000, $1::float8, CASE WHEN i % 2 = 0 THEN $3::text ELSE $4::text END
     FROM generate_series(1, $5::int) i`,
    [now, FINISHED, ids[0], ids[1], RUNNING],
  );
  await admin.query(
    `INSERT INTO workers (id, state, sessions_run, created_at, coordinator_id)
     SELECT 'worker-' || w, 'busy', 300, $1::float8, c FROM generate_series(1, 15) w, unnest($2::text[]) c`,
    [now - 6 * 3_600_000, ids],
  );
  await admin.query(
    `INSERT INTO metric_snapshots (at, current_workers, active_workers, idle_workers, stalled_workers, queue_depth, merge_queue_depth, throughput_per_minute,
       avg_session_duration_ms, p95_session_duration_ms, p99_session_duration_ms, success_rate, total_sessions_completed, total_sessions_failed, health, backpressure_active, scale_operations)
     SELECT $1::float8 + k * 30000, 15, 15, 0, 0, 40, 0, 2, 300000, 600000, 650000, 0.89, 8900, 1100, 'healthy', false, 40 FROM generate_series(0, 719) k`,
    [now - 6 * 3_600_000],
  );
  await admin.query('ANALYZE');
  return { stores: [a, b], ids };
}

/** Change the store as a live fleet does, once a second. */
function liveWriter(admin, fleet) {
  let tick = 0;
  let next = RUNNING + 1;
  let oldest = 1;
  return setInterval(async () => {
    const now = Date.now();
    tick++;
    await Promise.all(fleet.stores.map((s) => s.heartbeat()));
    await admin.query("UPDATE sessions SET last_progress_at = $1, last_activity = 'Bash: npm test -- step ' || $2::text, last_activity_at = $1, cost_usd = 0.01 * $2::int WHERE ended_at IS NULL", [now, tick]);
    if (tick % 5 === 0) {
      await admin.query(
        `INSERT INTO metric_snapshots (at, current_workers, active_workers, idle_workers, stalled_workers, queue_depth, merge_queue_depth, throughput_per_minute,
           avg_session_duration_ms, p95_session_duration_ms, p99_session_duration_ms, success_rate, total_sessions_completed, total_sessions_failed, health, backpressure_active, scale_operations)
         VALUES ($1, 15, 15, 0, 0, 40, 0, 2, 300000, 600000, 650000, 0.89, 8900, 1100, 'healthy', false, 40)`,
        [now],
      );
    }
    if (tick % 2 === 0) {
      await admin.query("UPDATE sessions SET ended_at = $1, outcome = 'success' WHERE id = $2", [now, `run-${oldest}`]);
      await admin.query("UPDATE issues SET status = 'done', updated_at = $1 WHERE id = $2", [now, `B-${FINISHED + oldest}`]);
      oldest++;
      const n = next++;
      await admin.query("UPDATE issues SET status = 'running', updated_at = $1 WHERE id = $2", [now, `B-${FINISHED + n}`]);
      await admin.query('INSERT INTO sessions (id, issue_id, worker_id, attempt, started_at, last_progress_at, coordinator_id) VALUES ($1, $2, $3, 1, $4, $4, $5)', [`run-${n}`, `B-${FINISHED + n}`, `worker-${1 + (n % 15)}`, now, fleet.ids[n % 2]]);
    }
  }, 1000);
}

export async function main({ seconds = Number(process.env.BENCH_DASHBOARD_SECONDS ?? 30) } = {}) {
  const admin = new pg.Pool({ connectionString: URL_, max: 1 });
  try {
    await admin.query('SELECT 1');
  } catch (error) {
    console.log('dashboard --store: skipped: no PostgreSQL server (%s)', error.message);
    await admin.end();
    return null;
  }
  const schema = `harness_bench_${process.pid}`;
  let server = null;
  let writer = null;
  let fleet = null;
  const controller = new AbortController();
  try {
    fleet = await generate(admin, schema, Date.now());
    writer = liveWriter(admin, fleet);
    server = spawn(process.execPath, [BIN, 'dashboard', '--store', URL_, '--store-schema', schema, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise((resolve, reject) => {
      let text = '';
      server.stdout.on('data', (c) => {
        text += c;
        const m = /dashboard: serving (\S+)/.exec(text);
        if (m) resolve(m[1]);
      });
      server.once('exit', (code) => reject(new Error(`harness dashboard exited ${code}`)));
    });
    let updates = 0;
    const stream = await fetch(new URL('/api/stream', url), { signal: controller.signal });
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of stream.body) updates += (decoder.decode(chunk, { stream: true }).match(/^event: state$/gm) ?? []).length;
    })().catch(() => {});
    // Let the first reads (and the statements' preparation) pass before measuring.
    await new Promise((r) => setTimeout(r, 3000));
    const backend = (await admin.query("SELECT pid FROM pg_stat_activity WHERE application_name = 'harness dashboard' LIMIT 1")).rows[0]?.pid;
    const before = updates;
    const cpu0 = cpuTicks(server.pid);
    const db0 = backend ? cpuTicks(backend) : null;
    const t0 = process.hrtime.bigint();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const cpu1 = cpuTicks(server.pid);
    const db1 = backend ? cpuTicks(backend) : null;
    const elapsedS = Number(process.hrtime.bigint() - t0) / 1e9;
    const share = (cpu1 - cpu0) / 100 / elapsedS;
    const stateBytes = Buffer.byteLength(await (await fetch(new URL('/api/state', url))).text());
    console.log('dashboard --store: 2 coordinators, %d running sessions, %s finished issues, the store changing every second; %d s with a stream open', RUNNING, FINISHED.toLocaleString('en-US'), seconds);
    console.log('  state events    %d in %s s', updates - before, elapsedS.toFixed(1));
    console.log('  server CPU      %s %% of one core (%d ticks)  target < %d %% %s', (share * 100).toFixed(2), cpu1 - cpu0, TARGET * 100, share < TARGET ? 'PASS' : 'MISS');
    if (db0 !== null) console.log('  its PostgreSQL backend  %s %% of one core (%d ticks)', (((db1 - db0) / 100 / elapsedS) * 100).toFixed(2), db1 - db0);
    console.log('  state event     %s KB', (stateBytes / 1024).toFixed(1));
    return { serverCpuShare: share, updates: updates - before, stateBytes };
  } finally {
    clearInterval(writer);
    controller.abort();
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGINT');
      await exited;
    }
    for (const s of fleet?.stores ?? []) await s.close().catch(() => {});
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await admin.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
