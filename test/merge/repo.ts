import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Git identity and isolation for every git this test suite runs, the harness's included. */
export const GIT_ENV: Record<string, string> = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

export const testEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME, ...GIT_ENV });

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function writeFile(dir: string, file: string, text: string): void {
  mkdirSync(dirname(join(dir, file)), { recursive: true });
  writeFileSync(join(dir, file), text);
}

export function commitFile(dir: string, file: string, text: string, message = `edit ${file}`): string {
  writeFile(dir, file, text);
  git(dir, 'add', '--', file);
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

export interface TempRepo {
  root: string;
  /** The repository (main worktree, on `main`). */
  repo: string;
  cleanup(): void;
}

/** A repository on branch main with one commit, in a fresh temporary directory. */
export function makeRepo(files: Record<string, string> = { 'README.md': 'hello\n' }): TempRepo {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'harness-merge-')));
  const repo = join(root, 'repo');
  execFileSync('git', ['init', '-q', '-b', 'main', repo], { env: { ...process.env, ...GIT_ENV } });
  // No .gitignore for .harness/: the harness must cope with its own untracked files in the checkout.
  for (const [file, text] of Object.entries(files)) writeFile(repo, file, text);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'initial');
  return { root, repo, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Subjects on `ref`, oldest first. */
export function subjects(repo: string, ref = 'main'): string[] {
  return git(repo, 'log', '--reverse', '--format=%s', ref).split('\n').filter(Boolean);
}
