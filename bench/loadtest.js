// Simulation speed of `harness load-test`: simulated sessions per wall-clock
// second through the real coordinator on a synthetic 100,000-issue spec,
// against the 50,000/s target; and the wall time of the heavy scenario,
// whose target is one second. Each is run three times after a warm-up; the
// best and the median are printed, since other load on the machine only
// ever slows a run down.
import { pathToFileURL } from 'node:url';
import { generateLoadTestSpec, runLoadTest, runLoadTestScenario } from '../dist/loadtest/index.js';

const TARGET_SESSIONS_PER_SECOND = 50_000;
const TARGET_HEAVY_MS = 1000;
const RUNS = 5;

/** All 100,000 issues in the backlog at once: the queue structures at their largest. */
const SPEC = generateLoadTestSpec({
  name: 'bench-100k',
  totalIssues: 100_000,
  concurrentAgents: 30,
  avgSessionDurationMs: 60_000,
  sessionDurationVariance: 0.3,
  failureRate: 0.1,
  rampUpMs: 0,
  seed: 1,
});

/** Only the spec decides the run: no config file, no HARNESS_* variables. */
const ISOLATED = { readConfig: false };

async function timed(run) {
  const start = process.hrtime.bigint();
  const results = await run();
  return { results, wallMs: Number(process.hrtime.bigint() - start) / 1e6 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => Math.round(n).toLocaleString('en-US');

export async function main() {
  console.log('load test: simulated sessions per wall-clock second (real coordinator, virtual clock)');
  await runLoadTestScenario('heavy', process.cwd(), ISOLATED); // warm up the JIT
  const heavy = [];
  for (let i = 0; i < RUNS; i++) heavy.push((await timed(() => runLoadTestScenario('heavy', process.cwd(), ISOLATED))).wallMs);
  const bestHeavy = Math.min(...heavy);
  console.log(`  heavy scenario (200 issues): best ${bestHeavy.toFixed(1)} ms, median ${median(heavy).toFixed(1)} ms of wall time; ` +
    `target < ${TARGET_HEAVY_MS} ms (${(TARGET_HEAVY_MS / bestHeavy).toFixed(0)}× under)`);

  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await timed(() => runLoadTest(SPEC, process.cwd(), ISOLATED)));
  const sessions = runs[0].results.sessions.total;
  const rates = runs.map((r) => (sessions / r.wallMs) * 1000);
  const best = Math.max(...rates);
  console.log(`  ${fmt(SPEC.totalIssues)} issues, ${SPEC.concurrentAgents} agents: ${fmt(sessions)} sessions, ` +
    `${runs[0].results.passed ? 'criteria passed' : 'criteria FAILED'}, makespan ${(runs[0].results.quality.makespanMs / 3_600_000).toFixed(1)} h virtual`);
  console.log(`  wall time per run: ${runs.map((r) => `${fmt(r.wallMs)} ms`).join(', ')}`);
  console.log(`  sessions per wall-clock second: best ${fmt(best)}, median ${fmt(median(rates))}`);
  console.log(`  target ≥ ${fmt(TARGET_SESSIONS_PER_SECOND)}/s: best is ${(best / TARGET_SESSIONS_PER_SECOND).toFixed(2)}× the target — ` +
    `${best >= TARGET_SESSIONS_PER_SECOND ? 'met' : 'NOT met'}`);
  return { bestHeavyMs: bestHeavy, bestSessionsPerSecond: best };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
