import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { HarnessError } from '../errors.js';

/** What one git command did. A non-zero exit is an answer, not an exception. */
export interface GitOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs git with an argv (never a shell) in `cwd`, without blocking the event loop. */
export type GitRunner = (args: readonly string[], cwd: string) => Promise<GitOutput>;

/** A git command the merge queue relies on failed. */
export class GitError extends HarnessError {}

/** Output kept per stream; git's own output stays far below this (conflict listings, hook output). */
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/**
 * Run a program with an argv (no shell) and collect its output. It gets its
 * own process group, as agents do: an interrupt typed at the terminal is for
 * the harness, which finishes the merge in progress, not for a rebase half
 * way through. A program that cannot be started reports code -1.
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
  return (args, cwd) => runProgram('git', args, { cwd, env: gitEnv });
}

/** Git bound to one repository, with the few questions the merge queue asks. */
export class Git {
  constructor(
    readonly repoDir: string,
    private readonly runner: GitRunner = gitRunner(),
  ) {}

  /** Run and report, whatever the exit code. */
  try(args: readonly string[], cwd: string = this.repoDir): Promise<GitOutput> {
    return this.runner(args, cwd);
  }

  /** Run and return stdout without its final newline; throws GitError on a non-zero exit. */
  async run(args: readonly string[], cwd: string = this.repoDir): Promise<string> {
    const out = await this.runner(args, cwd);
    if (out.code !== 0) throw new GitError(`git ${args.join(' ')} failed in ${cwd}: ${firstLines(out.stderr || out.stdout)}`);
    return out.stdout.replace(/\n$/, '');
  }

  async succeeds(args: readonly string[], cwd: string = this.repoDir): Promise<boolean> {
    return (await this.runner(args, cwd)).code === 0;
  }

  /** The commit `ref` names, or null when it names none. */
  async commitOf(ref: string, cwd: string = this.repoDir): Promise<string | null> {
    const out = await this.runner(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], cwd);
    return out.code === 0 ? out.stdout.trim() : null;
  }

  /** True when `ancestor` is reachable from `descendant` (a commit is its own ancestor). */
  isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    return this.succeeds(['merge-base', '--is-ancestor', ancestor, descendant]);
  }

  /** Files with unresolved conflicts in the worktree at `cwd`. */
  async conflictedFiles(cwd: string): Promise<string[]> {
    const out = await this.runner(['diff', '--name-only', '--diff-filter=U', '-z'], cwd);
    return out.stdout.split('\0').filter(Boolean);
  }

  /** Every worktree of the repository, with the branch each has checked out (null when detached). */
  async worktrees(): Promise<{ path: string; branch: string | null }[]> {
    const text = await this.run(['worktree', 'list', '--porcelain']);
    return text
      .split(/\n\n+/)
      .map((block) => {
        const lines = block.split('\n');
        const path = lines.find((l) => l.startsWith('worktree '))?.slice('worktree '.length);
        const branch = lines.find((l) => l.startsWith('branch refs/heads/'))?.slice('branch refs/heads/'.length) ?? null;
        return path === undefined ? null : { path, branch };
      })
      .filter((w): w is { path: string; branch: string | null } => w !== null);
  }
}

/** Paths compared the way git reports them (symlinks resolved). */
export function samePath(a: string, b: string): boolean {
  return canonical(a) === canonical(b);
}

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Git's own message, short enough for a reason column. */
export function firstLines(text: string, max = 5): string {
  const lines = text.trim().split('\n').filter((l) => l.trim() !== '');
  return lines.slice(0, max).join('; ') + (lines.length > max ? '; …' : '');
}
