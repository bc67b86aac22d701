#!/usr/bin/env node
// An example agent for worktree runs: no network, no model. It "fixes" its
// issue by writing a note about it into the file named on the first line of
// the issue body (`file: src/notes.md`; default notes/<id>.md), then commits,
// as a real agent is asked to. Run it with `harness run --worktrees` to see
// each issue's branch land on the target branch through the merge queue.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

const issue = JSON.parse(readFileSync(process.env.HARNESS_ISSUE_FILE, 'utf8'));
process.stdin.resume();
process.stdin.on('data', () => {});

const named = /^file:\s*(\S+)/m.exec(issue.body ?? '');
const safeId = issue.id.replace(/[^\w.-]+/g, '-');
const file = named ? named[1] : `notes/${safeId}.md`;

console.log(`[${issue.id}] working on: ${issue.title}`);
setTimeout(() => {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `- ${issue.title} (${issue.id})\n`);
  execFileSync('git', ['add', '--', file]);
  execFileSync('git', ['commit', '-q', '-m', `${issue.title} (${issue.id})`]);
  console.log(`[${issue.id}] committed ${file}`);
}, 500 + Math.floor(Math.random() * 1000));
