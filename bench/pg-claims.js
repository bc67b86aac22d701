// Claim throughput of the PostgreSQL store against pg-boss, on one server in
// this one run. Harness: N issues (BENCH_PG_CLAIMS, 3,000) imported and
// admitted, then 1 or 4 stores (each its own connection, as separate
// coordinators are) loop claim + finishSession (success, done) until nothing
// is left; no process is run. At 4 also joined as a fleet's coordinators,
// whose every claim and finish checks the coordinator is still live. pg-boss: the same N jobs inserted, then 1 or 4
// PgBoss instances (each a pool of one connection, its maintenance and
// scheduling off) loop fetch (its default batch of one, in priority order)
// + complete. Every measurement has a fresh schema, dropped after it; each
// is warmed up once on a small N, then run BENCH_PG_ROUNDS times (3), the
// contenders interleaved; printed are the median and range of claims per
// second. A batched pg-boss figure (BATCH jobs per fetch, completed
// together) is shown apart, for scale: it is not a one-at-a-time claim.
// Both sides' claims cost more the more rows the queue holds, so N sets the
// figures as well as the time (3,000 keeps the whole under two minutes).
import { createRequire } from 'node:module';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { openPostgresStore } from '../dist/store/postgres/index.js';
import { findPostgres } from './pg-server.js';

const CLAIMS = Number(process.env.BENCH_PG_CLAIMS ?? 3_000);
const ROUNDS = Number(process.env.BENCH_PG_ROUNDS ?? 3);
const WARMUP = Math.min(500, CLAIMS);
const BATCH = 10;
const QUEUE = 'bench';
const PG_BOSS_VERSION = createRequire(import.meta.url)('pg-boss/package.json').version;

let schemas = 0;
const freshSchema = () => `bench_claims_${process.pid}_${++schemas}`;

/** Priorities spread as a real backlog's are, so both sides order by priority, then arrival. */
const priorityOf = (i) => i % 4;
const bodyOf = (i) => `Issue ${i}: do the thing described here, then commit.`;

/** Run `workers` loops at once until each finds nothing; the claims per second over the whole, and how many were claimed. */
async function timed(workers, loop) {
  const start = process.hrtime.bigint();
  const counts = await Promise.all(workers.map((worker, w) => loop(worker, w)));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const claimed = counts.reduce((a, b) => a + b, 0);
  return { claimed, perSecond: claimed / seconds };
}

async function harnessClaims(url, admin, issues, concurrency, fleet = false) {
  const schema = freshSchema();
  const stores = [];
  try {
    // Opened one after another: the first creates the schema, the others find it.
    for (let w = 0; w < concurrency; w++) stores.push(await openPostgresStore(url, { schema, applicationName: `bench-harness-${w}` }));
    const now = Date.now();
    // As a fleet's coordinators: every claim and finish then also checks the coordinator is live and the session its own.
    if (fleet) {
      for (const store of stores) {
        await store.joinFleet({ host: 'bench', pid: process.pid, processStart: null, version: 'bench', maxWorkers: 1, startedAt: now, leaseMs: 600_000, fleetMaxWorkers: null });
      }
    }
    await stores[0].importIssues(
      Array.from({ length: issues }, (_, i) => ({ id: `B-${i}`, title: `Issue ${i}`, body: bodyOf(i), priority: priorityOf(i), labels: [] })),
      now,
    );
    const admitted = await stores[0].admit(issues, now);
    if (admitted.count !== issues) throw new Error(`harness admitted ${admitted.count} of ${issues} issues`);
    await admin.query(`ANALYZE ${schema}.issues`);
    const result = await timed(stores, async (store, w) => {
      let claimed = 0;
      for (;;) {
        const sessionId = `s-${w}-${claimed}`;
        const at = Date.now();
        const { issue } = await store.claim({ sessionId, workerId: `worker-${w}`, now: at, logPath: () => null });
        if (issue === null) return claimed;
        await store.finishSession(sessionId, { outcome: 'success', endedAt: at }, { status: 'done' });
        claimed++;
      }
    });
    const done = Number((await admin.query(`SELECT count(*) AS n FROM ${schema}.issues WHERE status = 'done'`)).rows[0].n);
    if (result.claimed !== issues || done !== issues) throw new Error(`harness claimed ${result.claimed} and finished ${done} of ${issues} issues`);
    return result.perSecond;
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
}

async function pgBossClaims(url, admin, jobs, concurrency, batchSize = 1) {
  const schema = freshSchema();
  const bosses = [];
  try {
    for (let w = 0; w < concurrency; w++) {
      // No maintenance or scheduling loops: neither side runs anything beside its claims.
      const boss = new PgBoss({ connectionString: url, schema, max: 1, supervise: false, schedule: false, application_name: `bench-pgboss-${w}` });
      boss.on('error', (error) => console.error(`  pg-boss: ${error.message}`));
      await boss.start();
      bosses.push(boss);
    }
    await bosses[0].createQueue(QUEUE);
    await bosses[0].insert(Array.from({ length: jobs }, (_, i) => ({ name: QUEUE, data: { title: `Issue ${i}`, body: bodyOf(i) }, priority: 3 - priorityOf(i) })));
    await admin.query(`ANALYZE ${schema}.job`);
    const result = await timed(bosses, async (boss) => {
      let claimed = 0;
      for (;;) {
        const fetched = await boss.fetch(QUEUE, { batchSize });
        if (fetched.length === 0) return claimed;
        await boss.complete(
          QUEUE,
          fetched.map((job) => job.id),
        );
        claimed += fetched.length;
      }
    });
    const done = Number((await admin.query(`SELECT count(*) AS n FROM ${schema}.job WHERE name = $1 AND state = 'completed'`, [QUEUE])).rows[0].n);
    if (result.claimed !== jobs || done !== jobs) throw new Error(`pg-boss fetched ${result.claimed} and completed ${done} of ${jobs} jobs`);
    return result.perSecond;
  } finally {
    await Promise.all(bosses.map((b) => b.stop({ graceful: false, wait: true, close: true })));
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
}

const CONTENDERS = [
  { key: 'harness-1', label: 'harness, 1 store', run: (url, admin, n) => harnessClaims(url, admin, n, 1) },
  { key: 'pgboss-1', label: 'pg-boss, 1 worker', run: (url, admin, n) => pgBossClaims(url, admin, n, 1) },
  { key: 'harness-4', label: 'harness, 4 stores', run: (url, admin, n) => harnessClaims(url, admin, n, 4) },
  { key: 'pgboss-4', label: 'pg-boss, 4 workers', run: (url, admin, n) => pgBossClaims(url, admin, n, 4) },
  { key: 'harness-fleet-4', label: 'harness, 4 stores joined as a fleet', run: (url, admin, n) => harnessClaims(url, admin, n, 4, true) },
  { key: 'pgboss-batch-4', label: `pg-boss, 4 workers, batched ${BATCH}/fetch`, run: (url, admin, n) => pgBossClaims(url, admin, n, 4, BATCH) },
];

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rate = (value) => Math.round(value).toLocaleString('en-US');
const spread = (values) => `${rate(median(values))}/s (${rate(Math.min(...values))}–${rate(Math.max(...values))})`;

export async function main() {
  const server = await findPostgres();
  if (server.skipped) {
    console.log(`postgres claims: skipped: ${server.skipped}`);
    return;
  }
  const admin = new pg.Pool({ connectionString: server.url, max: 1 });
  try {
    const version = (await admin.query('SHOW server_version')).rows[0].server_version;
    const fsync = (await admin.query('SHOW synchronous_commit')).rows[0].synchronous_commit;
    console.log(
      `postgres claims: ${CLAIMS.toLocaleString('en-US')} claims, each then finished, harness against pg-boss ${PG_BOSS_VERSION} ` +
        `on ${server.origin} (PostgreSQL ${version}, synchronous_commit ${fsync}), ${ROUNDS} rounds`,
    );
    for (const contender of CONTENDERS) await contender.run(server.url, admin, WARMUP);
    const runs = Object.fromEntries(CONTENDERS.map((c) => [c.key, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? CONTENDERS : [...CONTENDERS].reverse();
      for (const contender of order) runs[contender.key].push(await contender.run(server.url, admin, CLAIMS));
    }
    for (const contender of CONTENDERS) console.log(`  ${contender.label.padEnd(36)} ${spread(runs[contender.key])}`);
    // Each pair ran back to back in every round, so the ratio is taken per round: it drifts less than the rates do.
    let met = true;
    for (const n of [1, 4]) {
      const ratios = runs[`harness-${n}`].map((h, round) => h / runs[`pgboss-${n}`][round]);
      met &&= median(ratios) >= 1;
      console.log(`  harness/pg-boss at ${n}: ${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`);
    }
    const fleetRatios = runs['harness-fleet-4'].map((h, round) => h / runs['pgboss-4'][round]);
    console.log(`  harness as a fleet/pg-boss at 4: ${median(fleetRatios).toFixed(2)}× (${Math.min(...fleetRatios).toFixed(2)}–${Math.max(...fleetRatios).toFixed(2)})`);
    console.log(`  target (harness ≥ pg-boss, one claim at a time, at 1 and at 4): ${met ? 'target met' : 'not met'}`);
  } finally {
    await admin.end();
    server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
