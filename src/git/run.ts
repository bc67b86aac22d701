import { spawn } from 'node:child_process';

/** What one program run did. A non-zero exit is an answer, not an exception. */
export interface GitOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs git with an argv (never a shell) in `cwd`, without blocking the event loop. */
export type GitRunner = (args: readonly string[], cwd: string) => Promise<GitOutput>;

/** Output kept per stream; git's own output stays far below this (conflict listings, hook output). */
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/**
 * Run a program with an argv (no shell) and collect its output, without
 * blocking: other sessions go on while it runs. It gets its own process
 * group, as agents do: an interrupt typed at the terminal is for the
 * harness, which finishes what is in progress, not for a rebase or a
 * `worktree add` half way through. A program that cannot be started (or a
 * working directory that does not exist) reports code -1.
 */
export function runProgram(program: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<GitOutput> {
  return new Promise((done) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OUTPUT_BYTES) into.push(chunk);
    };
    const child = spawn(program, [...args], { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    const failure: { error?: Error } = {};
    child.on('error', (error) => (failure.error = error));
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString('utf8');
      if (failure.error) done({ code: -1, stdout, stderr: failure.error.message });
      else done({ code: code ?? -1, stdout, stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/**
 * The real runner. Git must never wait for a terminal (credentials, an
 * editor for a merge message): the harness runs unattended.
 */
export function gitRunner(env: NodeJS.ProcessEnv = process.env): GitRunner {
  const gitEnv = { ...env, GIT_TERMINAL_PROMPT: '0', GIT_EDITOR: 'true', GIT_MERGE_AUTOEDIT: 'no' };
  return (args, cwd) => (args[0] === 'worktree' ? oneWorktreeCommandAtATime(() => runProgram('git', args, { cwd, env: gitEnv })) : runProgram('git', args, { cwd, env: gitEnv }));
}

/**
 * `git worktree add`, `remove` and `prune` of one repository must not run
 * at once: a prune that meets a worktree being added sees its entry half
 * made and deletes it ("failed to read .git/worktrees/…/commondir"), and
 * the session waiting for it fails. Issue worktrees, worker worktrees and
 * the merge worktree all belong to the one repository a run works on, so
 * one queue for the process is enough; other git commands run freely.
 */
let worktreeQueue: Promise<unknown> = Promise.resolve();
function oneWorktreeCommandAtATime<T>(command: () => Promise<T>): Promise<T> {
  const next = worktreeQueue.then(command, command);
  worktreeQueue = next.catch(() => undefined);
  return next;
}
