import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BootstrapError, checkCopySources, copyInto, SETUP_SCRIPT, withSetup } from '../../src/workspace/bootstrap.js';
import { WorktreeManager } from '../../src/workspace/worktree.js';
import { git, makeRepo, type TempRepo } from '../merge/repo.js';

let temp: TempRepo;
beforeEach(() => {
  temp = makeRepo();
});
afterEach(() => temp.cleanup());

describe('copy', () => {
  it('copies files and directories into a worktree, keeping their relative paths', () => {
    writeFileSync(join(temp.repo, '.env'), 'TOKEN=1\n');
    mkdirSync(join(temp.repo, 'config', 'local'), { recursive: true });
    writeFileSync(join(temp.repo, 'config', 'local', 'db.json'), '{}');
    const target = realpathSync(mkdtempSync(join(tmpdir(), 'harness-copy-')));
    try {
      copyInto(temp.repo, target, ['.env', 'config/local']);
      expect(readFileSync(join(target, '.env'), 'utf8')).toBe('TOKEN=1\n');
      expect(readFileSync(join(target, 'config', 'local', 'db.json'), 'utf8')).toBe('{}');
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  });

  it('refuses to start when a file to copy is missing, naming it and the fix', () => {
    expect(() => checkCopySources(temp.repo, ['README.md'])).not.toThrow();
    expect(() => checkCopySources(temp.repo, ['README.md', '.env'])).toThrow(BootstrapError);
    expect(() => checkCopySources(temp.repo, ['.env'])).toThrow(
      `workspace.copy names ".env", which does not exist in ${temp.repo}: create it or remove it from workspace.copy`,
    );
  });
});

describe('setup', () => {
  it('leaves the agent command alone without setup', () => {
    expect(withSetup(null, ['claude', '-p'])).toEqual(['claude', '-p']);
  });

  it('puts the setup script in front of the agent, with the setup as one JSON argument', () => {
    expect(withSetup(['npm', 'ci'], ['claude', '-p'])).toEqual([process.execPath, SETUP_SCRIPT, '["npm","ci"]', 'claude', '-p']);
    expect(existsSync(SETUP_SCRIPT)).toBe(true);
  });

  /** Run the session command the runner would, in `cwd`, with `stdin`. */
  function session(cwd: string, setup: string[], agent: string[], stdin = '') {
    const [program, ...args] = withSetup(setup, agent);
    return spawnSync(program as string, args, { cwd, input: stdin, encoding: 'utf8' });
  }

  it('runs setup once per worktree, then the agent with the prompt on its stdin', async () => {
    const worktrees = await WorktreeManager.open({ repoDir: temp.repo, worktreesDir: '.harness/worktrees' });
    const { path } = await worktrees.prepare('A');
    const setup = [process.execPath, '-e', "require('fs').appendFileSync('setup.log', 'ran\\n'); console.log('installing')"];
    const agent = [process.execPath, '-e', "let s=''; process.stdin.on('data', d => s += d).on('end', () => { console.log('agent got ' + s); process.exit(7); })"];

    const first = session(path, setup, agent, 'the prompt');
    expect(first.status).toBe(7);
    expect(first.stdout).toContain('installing');
    expect(first.stdout).toContain('agent got the prompt');
    expect(first.stderr).toContain('harness: setting up the worktree');
    const second = session(path, setup, agent, 'again');
    expect(second.stdout).toContain('agent got again');
    expect(second.stderr).not.toContain('setting up');
    expect(readFileSync(join(path, 'setup.log'), 'utf8')).toBe('ran\n');
    // The marker lives in git's directory for the worktree, not in the checkout.
    expect(git(path, 'status', '--porcelain')).toBe('?? setup.log');

    // A new worktree for the same issue is set up again.
    await worktrees.remove('A', { deleteBranch: false });
    const again = await worktrees.prepare('A');
    expect(session(again.path, setup, agent).stderr).toContain('setting up');
  });

  it('fails the session, without starting the agent, when setup fails; the next session tries again', async () => {
    const { path } = await (await WorktreeManager.open({ repoDir: temp.repo, worktreesDir: '.harness/worktrees' })).prepare('B');
    const agent = [process.execPath, '-e', "require('fs').writeFileSync('agent-ran', '')"];
    const failed = session(path, [process.execPath, '-e', 'process.exit(5)'], agent);
    expect(failed.status).toBe(5);
    expect(failed.stderr).toMatch(/harness: workspace setup failed \(exit code 5\)/);
    expect(existsSync(join(path, 'agent-ran'))).toBe(false);
    expect(session(path, [process.execPath, '-e', '0'], agent).status).toBe(0);
    expect(existsSync(join(path, 'agent-ran'))).toBe(true);
  });
});
