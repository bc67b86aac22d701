#!/usr/bin/env node
// Runs a worktree's setup command (workspace.setup, e.g. `npm ci`) once, then
// the agent. harness starts this in place of the agent when setup is
// configured, in the session's own process group, so the setup is part of
// the session: its output lands in the session log and counts as progress,
// a failed setup is a failed session (retried like any other), and stopping
// the session stops the setup too.
//
//   node harness-setup.mjs '<setup argv as JSON>' <agent argv...>
//
// Neither command goes through a shell. The marker that records a finished
// setup lives in the worktree's git directory, which git removes with the
// worktree, so a new worktree is always set up again.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const MARKER = 'harness-setup-done';
const [setupJson, ...agent] = process.argv.slice(2);
const setup = JSON.parse(setupJson ?? '[]');

/** The git directory of the worktree in `dir`: `.git` is a file pointing at it (or, in a main checkout, the directory itself). */
function gitDir(dir) {
  const dotGit = join(dir, '.git');
  if (statSync(dotGit).isDirectory()) return dotGit;
  const match = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'));
  if (!match) throw new Error(`${dotGit} does not name a git directory`);
  return resolve(dir, match[1].trim());
}

function run(argv, stdin) {
  return new Promise((done) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: [stdin, 'inherit', 'inherit'] });
    child.on('error', (error) => done({ code: 127, signal: null, error: error.message }));
    child.on('exit', (code, signal) => done({ code, signal }));
  });
}

function describe(result) {
  if (result.error) return `could not start: ${result.error}`;
  return result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`;
}

let marker = null;
try {
  marker = join(gitDir(process.cwd()), MARKER);
} catch (error) {
  console.error(`harness: cannot tell whether this worktree is set up (${error.message}); running setup`);
}
if (setup.length > 0 && (marker === null || !existsSync(marker))) {
  console.error(`harness: setting up the worktree: ${setup.join(' ')}`);
  // The prompt on stdin is the agent's: setup gets none.
  const result = await run(setup, 'ignore');
  if (result.code !== 0) {
    console.error(`harness: workspace setup failed (${describe(result)}): ${setup.join(' ')}`);
    process.exit(result.code || 1);
  }
  if (marker !== null) writeFileSync(marker, `${new Date().toISOString()}\n`);
}
const result = await run(agent, 'inherit');
if (result.signal) process.kill(process.pid, result.signal);
if (result.error) console.error(`harness: agent command ${describe(result)}: ${agent[0]}`);
process.exit(result.code ?? 1);
