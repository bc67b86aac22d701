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
  const run = (args: readonly string[], cwd: string) => runProgram('git', args, { cwd, env: gitEnv });
  return (args, cwd) => (args[0] === 'worktree' ? worktreeCommand(args, () => run(args, cwd)) : run(args, cwd));
}

/**
 * `git worktree prune` (and remove, move) must not run while a worktree is
 * being added: it sees the new entry half made and deletes it ("failed to
 * read .git/worktrees/…/commondir"), and the session waiting for it fails.
 * So those wait until no add runs (for at most 2 s), while adds run side
 * by side (one slow checkout holds up no other issue for long). An add that still trips over another
 * worktree's half-made entry is tried again a few times when it makes no branch. Issue, worker and
 * merge worktrees all belong to the one repository a run works on, so one
 * lock for the process is enough.
 */
const worktrees = { adding: 0, exclusive: Promise.resolve() as Promise<unknown>, idle: [] as (() => void)[] };
/** How long a prune or remove waits for the adds running to end. */
const EXCLUSIVE_WAIT_MS = 2000;
const TRANSIENT_ADD = /failed to read .*worktrees\/.*(commondir|gitdir)|could not open .*worktrees\/.*gitdir/;

async function worktreeCommand(args: readonly string[], command: () => Promise<GitOutput>): Promise<GitOutput> {
  if (args[1] !== 'add') {
    const mine = worktrees.exclusive.then(async () => {
      // An add that takes longer than this (a slow checkout) holds up no cleanup: the retry below covers what is left.
      const deadline = Date.now() + EXCLUSIVE_WAIT_MS;
      while (worktrees.adding > 0 && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          worktrees.idle.push(resolve);
          setTimeout(resolve, Math.max(1, deadline - Date.now())).unref();
        });
      }
      return command();
    });
    worktrees.exclusive = mine.catch(() => undefined);
    return mine;
  }
  await worktrees.exclusive;
  worktrees.adding++;
  try {
    let out = await command();
    // Only an add that makes no branch is tried again: one with -b may have made its branch before it failed.
    const repeatable = !args.includes('-b') && !args.includes('-B');
    for (let tries = 1; repeatable && tries < 4 && out.code !== 0 && TRANSIENT_ADD.test(out.stderr); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50 * tries));
      out = await command();
    }
    return out;
  } finally {
    worktrees.adding--;
    if (worktrees.adding === 0) worktrees.idle.splice(0).forEach((wake) => wake());
  }
}
