#!/usr/bin/env node
// The fake agent of `harness load-test --mode process`. It draws its own
// behaviour with the same function and seed as the simulation, so attempt N
// of an issue does the same thing in both modes: it works for the drawn
// duration (× the time scale) printing progress, then exits 0 or 1; a
// stalling session prints nothing and never exits until the harness kills it.
//
// HARNESS_LOADTEST holds JSON: the spec's behaviour fields (seed,
// avgSessionDurationMs, sessionDurationVariance, failureRate, stallRate),
// timeScale (real ms per scenario ms) and progressEveryMs (real ms).
import { performance } from 'node:perf_hooks';
import { drawBehaviour } from '../dist/loadtest/behaviour.js';

const params = JSON.parse(process.env.HARNESS_LOADTEST ?? 'null');
if (!params) {
  console.error('loadtest-agent: HARNESS_LOADTEST is not set; this agent is started by `harness load-test --mode process`');
  process.exit(2);
}
const issueId = process.env.HARNESS_ISSUE_ID ?? '';
const attempt = Number(process.env.HARNESS_ATTEMPT ?? '1');
const behaviour = drawBehaviour(params, issueId, attempt);
// The prompt arrives on stdin; the fake agent has no use for it.
process.stdin.on('error', () => {});
process.stdin.resume();

if (behaviour.stalls) {
  // Silent and alive: only the harness's stall detection can end this session.
  setInterval(() => {}, 1 << 30);
} else {
  // Count from the process's own start, so spawn and startup time are part of the duration.
  const endAt = performance.timeOrigin + behaviour.durationMs * params.timeScale;
  const progress = setInterval(() => process.stdout.write(`${issueId} attempt ${attempt}: working\n`), params.progressEveryMs);
  setTimeout(() => {
    clearInterval(progress);
    process.stdout.write(`${issueId} attempt ${attempt}: ${behaviour.fails ? 'failed' : 'done'}\n`);
    process.exit(behaviour.fails ? 1 : 0);
  }, Math.max(0, endAt - Date.now()));
}
