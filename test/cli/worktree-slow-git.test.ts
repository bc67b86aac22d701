import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { GIT_ENV, makeRepo } from '../merge/repo.js';
import { REPO, guardProcesses, writeIssues } from '../helpers/cli.js';

const BIN = join(REPO, 'bin', 'harness.js');
const { cleanups, markers } = guardProcesses();

/** The git on PATH now, which the wrapper hands every command to. */
function realGit(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'git'))) return join(dir, 'git');
  }
  throw new Error('git is not on PATH');
}

/**
 * A `git` that holds `git worktree add` of issue SLOW until the file
 * `release` appears in $HOLD_DIR (at most 10 s, then it notes `timed-out`),
 * and runs every command with the real git.
 */
function wrapperGit(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const script = `#!/bin/sh
if [ "$1" = worktree ] && [ "$2" = add ]; then
  for arg in "$@"; do
    case "$arg" in
      */worktrees/SLOW)
        : > "$HOLD_DIR/held"
        i=0
        while [ ! -e "$HOLD_DIR/release" ]; do
          i=$((i + 1))
          if [ "$i" -gt 200 ]; then : > "$HOLD_DIR/timed-out"; break; fi
          sleep 0.05
        done
        ;;
    esac
  done
fi
exec "${realGit()}" "$@"
`;
  writeFileSync(join(bin, 'git'), script, { mode: 0o755 });
  return bin;
}

describe('harness run --worktrees with a slow git', () => {
  it('runs another issue to its end while one issue’s worktree is still being made', async () => {
    const temp = makeRepo();
    cleanups.push(temp.cleanup);
    const marker = `slow-git-${Date.now()}`;
    markers.push(marker);
    const bin = wrapperGit(temp.root);
    // FAST's agent releases SLOW's `git worktree add`: only a harness that is not blocked by that git can start it.
    const agent = join(temp.root, 'agent.mjs');
    writeFileSync(agent, "import { writeFileSync } from 'node:fs';\nif (process.env.HARNESS_ISSUE_ID === 'FAST') writeFileSync(process.env.HOLD_DIR + '/release', '');\n");
    const issues = writeIssues(temp.root, [
      { id: 'SLOW', title: 'slow', priority: 1 },
      { id: 'FAST', title: 'fast', priority: 2 },
    ]);
    const config = join(temp.root, 'harness.config.json');
    writeFileSync(config, JSON.stringify({ merge: { requireCommits: false } }));

    const child = spawn(
      process.execPath,
      [BIN, 'run', '--issues', issues, '--config', config, '--worktrees', '--agent', `"${process.execPath}" "${agent}"`, '--min-workers', '2', '--max-workers', '2'],
      {
        cwd: temp.repo,
        env: { PATH: `${bin}${delimiter}${process.env.PATH}`, HOME: process.env.HOME, HARNESS_TEST_MARKER: marker, HOLD_DIR: temp.root, ...GIT_ENV },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));

    expect(code).toBe(0);
    // FAST ended first although SLOW was started first.
    expect(output).toMatch(/✓ FAST attempt 1 success[^\n]*\n✓ SLOW attempt 1 success/);
    expect(existsSync(join(temp.root, 'held'))).toBe(true);
    expect(existsSync(join(temp.root, 'timed-out'))).toBe(false);
    const store = openStore(join(temp.repo, '.harness', 'state.db'));
    try {
      expect(store.listIssues().map((i) => [i.id, i.status, i.attempts])).toEqual([
        ['SLOW', 'done', 1],
        ['FAST', 'done', 1],
      ]);
    } finally {
      store.close();
    }
  });
});
