#!/usr/bin/env node
// An example agent: no network, no model. It reads the prompt on stdin,
// "works" for a few seconds printing progress, and then exits. Issues
// labelled "flaky" fail their first attempt; issues labelled "stall" go
// silent on their first attempt, so the harness has to detect the stall,
// stop the session and give the issue to a fresh attempt.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const issue = JSON.parse(readFileSync(process.env.HARNESS_ISSUE_FILE, 'utf8'));
const attempt = Number(process.env.HARNESS_ATTEMPT ?? '1');
const labels = issue.labels ?? [];
let prompt = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (prompt += chunk));
process.stdin.on('error', () => {});

// A stable duration per issue between 1.5 and 4.5 seconds.
const hash = createHash('sha256').update(issue.id).digest();
const durationMs = 1500 + (hash[0] / 255) * 3000;
const steps = ['reading the issue', 'exploring the code', 'editing files', 'running tests', 'committing'];

console.log(`[${issue.id}] attempt ${attempt}: ${issue.title}`);
if (labels.includes('stall') && attempt === 1) {
  console.log(`[${issue.id}] waiting on something that never answers...`);
  setTimeout(() => {}, 10 * 60 * 1000);
} else {
  let step = 0;
  const timer = setInterval(() => {
    console.log(`[${issue.id}] ${steps[step % steps.length]}`);
    step++;
  }, durationMs / steps.length);
  setTimeout(() => {
    clearInterval(timer);
    if (labels.includes('flaky') && attempt === 1) {
      console.error(`[${issue.id}] tests failed (prompt was ${prompt.length} characters)`);
      process.exit(1);
    }
    console.log(`[${issue.id}] done`);
    process.exit(0);
  }, durationMs);
}
