// Simulation speed of `harness load-test`: simulated sessions per wall-clock
// second through the real coordinator on synthetic 100,000- and
// 1,000,000-issue specs, against the 50,000/s target, with the peak
// resident memory of a fresh process running a million issues against the
// 500 MiB target; and the wall time of the heavy scenario, whose target is
// one second. Each is run several times after a warm-up; the best and the
// median are printed, since other load on the machine only ever slows a
// run down.
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateLoadTestSpec, runLoadTest, runLoadTestScenario } from '../dist/loadtest/index.js';

const TARGET_SESSIONS_PER_SECOND = 50_000;
const TARGET_HEAVY_MS = 1000;
const TARGET_PEAK_RSS_MIB = 500;
const MILLION_RUNS = 2;
const RUNS = 5;

/** All the issues in the backlog at once: the queue structures at their largest. */
const specOf = (totalIssues) => generateLoadTestSpec({
  name: `bench-${totalIssues}`,
  totalIssues,
  concurrentAgents: 30,
  avgSessionDurationMs: 60_000,
  sessionDurationVariance: 0.3,
  failureRate: 0.1,
  rampUpMs: 0,
  seed: 1,
});
const SPEC = specOf(100_000);

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

  // A million issues, each run in a fresh process so its peak resident memory is its own.
  const million = [];
  for (let i = 0; i < MILLION_RUNS; i++) {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--million'], { encoding: 'utf8', timeout: 600_000 });
    if (child.status !== 0) throw new Error(`the million-issue run failed: ${child.stderr}`);
    million.push(JSON.parse(child.stdout));
  }
  const bestMillion = Math.max(...million.map((m) => m.rate));
  const peakRss = Math.max(...million.map((m) => m.maxRssMiB));
  console.log(`  1,000,000 issues, 30 agents: ${fmt(million[0].sessions)} sessions, ${million[0].passed ? 'criteria passed' : 'criteria FAILED'}; ` +
    `wall time per run: ${million.map((m) => `${fmt(m.wallMs)} ms`).join(', ')}`);
  console.log(`  sessions per wall-clock second: best ${fmt(bestMillion)} — ${(bestMillion / TARGET_SESSIONS_PER_SECOND).toFixed(2)}× the target, ` +
    `${bestMillion >= TARGET_SESSIONS_PER_SECOND ? 'met' : 'NOT met'}`);
  console.log(`  peak resident memory: ${million.map((m) => `${m.maxRssMiB} MiB`).join(', ')}; target < ${TARGET_PEAK_RSS_MIB} MiB — ` +
    `${peakRss < TARGET_PEAK_RSS_MIB ? 'met' : 'NOT met'}`);
  return { bestHeavyMs: bestHeavy, bestSessionsPerSecond: best, millionSessionsPerSecond: bestMillion, millionPeakRssMiB: peakRss };
}

/** One million-issue run in this process: its figures as JSON on stdout. */
async function millionRun() {
  const spec = specOf(1_000_000);
  const { results, wallMs } = await timed(() => runLoadTest(spec, process.cwd(), ISOLATED));
  const sessions = results.sessions.total;
  const maxRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(JSON.stringify({ sessions, wallMs, rate: (sessions / wallMs) * 1000, maxRssMiB, passed: results.passed }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--million')) await millionRun();
  else await main();
}
