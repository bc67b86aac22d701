import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { VersionProbe } from '../../src/agents/formats/preflight.js';
import { AgentPreflightError, prepareAgent, worktreeGitDir } from '../../src/app/agent.js';
import { main } from '../../src/cli/main.js';
import { DEFAULT_CONFIG, type HarnessConfig } from '../../src/config/types.js';
import { makeIO, tempDir, writeIssues } from '../helpers/cli.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'agents');
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function dir(): string {
  const tmp = tempDir('harness-agent-');
  cleanups.push(tmp.cleanup);
  return realpathSync(tmp.dir);
}

const config = (agent: Partial<HarnessConfig['agent']> = {}, over: Partial<HarnessConfig> = {}): HarnessConfig => ({ ...DEFAULT_CONFIG, ...over, agent: { ...DEFAULT_CONFIG.agent, ...agent } });
const runs: VersionProbe = async () => ({ kind: 'ran', exitCode: 0, signal: null, stdout: '2.1.197 (Claude Code)\n', stderr: '' });

describe('prepareAgent', () => {
  it("checks a preset's binary with --version and gives each session its argv", async () => {
    const cwd = dir();
    const seen: string[][] = [];
    const agent = await prepareAgent(config({ bin: '/bin/sh' }), { cwd, env: { PATH: '/usr/bin:/bin' }, workDir: cwd, uid: 1000, probe: async (argv) => (seen.push([...argv]), runs(argv)) });
    expect(seen).toEqual([['/bin/sh', '--version']]);
    expect(agent.version).toBe('2.1.197 (Claude Code)');
    expect(agent.format).toBe('claude-stream-json');
    expect(agent.argvFor!({ resumeFrom: 'conv-1', budgetUsd: 2 })).toEqual(['/bin/sh', '-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'bypassPermissions', '--max-budget-usd', '2', '--resume', 'conv-1']);
  });

  it('refuses, before any session, a preset that is not installed: how to install it', async () => {
    const cwd = dir();
    const refused = prepareAgent(config({ command: ['codex'] }), { cwd, env: { PATH: cwd }, workDir: cwd, uid: 1000 });
    await expect(refused).rejects.toThrow(AgentPreflightError);
    await expect(refused).rejects.toThrow(/no session was started: codex was not found on PATH\. Install it \(npm install -g @openai\/codex\)/);
  });

  it('refuses a binary whose --version fails, with what it said', async () => {
    const cwd = dir();
    await expect(prepareAgent(config({ bin: join(FIXTURES, 'version-fails.sh') }), { cwd, env: { PATH: '/usr/bin:/bin' }, workDir: cwd, uid: 1000 })).rejects.toThrow(
      /version-fails\.sh --version exited with code 3: error: cannot find module 'agent-core'/,
    );
  });

  it('as root, refuses bypassPermissions without IS_SANDBOX=1, for the preset and for a command line running claude', async () => {
    const cwd = dir();
    const context = { cwd, env: { PATH: '/usr/bin:/bin' }, workDir: cwd, uid: 0, probe: runs };
    const message = /run harness as a non-root user; or, on a sandboxed machine .* set IS_SANDBOX=1; or choose another permission mode .* agent\.permissionMode \(HARNESS_AGENT_PERMISSION_MODE\)/i;
    await expect(prepareAgent(config({ bin: '/bin/sh' }), context)).rejects.toThrow(/root/);
    await expect(prepareAgent(config({ bin: '/bin/sh' }), context)).rejects.toThrow(message);
    const fake = join(cwd, 'claude');
    writeFileSync(fake, '#!/bin/sh\n', { mode: 0o755 });
    await expect(prepareAgent(config({ command: [fake, '-p', '--dangerously-skip-permissions'] }), context)).rejects.toThrow(message);
    // A sandbox says so, or another mode is chosen: no refusal.
    await expect(prepareAgent(config({ bin: '/bin/sh' }), { ...context, env: { ...context.env, IS_SANDBOX: '1' } })).resolves.toBeDefined();
    await expect(prepareAgent(config({ bin: '/bin/sh', permissionMode: 'acceptEdits' }), context)).resolves.toBeDefined();
  });

  it("codex: the repository's git directory writable, and a worktree's own; outside a repository, no repository check", async () => {
    const repo = dir();
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args]);
    git('init', '-q', '-b', 'main');
    git('-c', 'user.name=A', '-c', 'user.email=a@example.com', 'commit', '-q', '--allow-empty', '-m', 'Start');
    git('worktree', 'add', '-q', '-b', 'wt', join(repo, 'wt'));
    const inRepo = await prepareAgent(config({ command: ['codex'], bin: '/bin/sh' }), { cwd: repo, env: { PATH: '/usr/bin:/bin' }, workDir: repo, uid: 1000, probe: runs });
    expect(inRepo.argvFor!({ cwd: repo })).toEqual(['/bin/sh', 'exec', '--json', '--sandbox', 'workspace-write', '--add-dir', join(repo, '.git')]);
    expect(inRepo.argvFor!({ cwd: join(repo, 'wt') })).toEqual(['/bin/sh', 'exec', '--json', '--sandbox', 'workspace-write', '--add-dir', join(repo, '.git'), '--add-dir', join(repo, '.git', 'worktrees', 'wt')]);
    const outside = dir();
    mkdirSync(join(outside, 'p'));
    const plain = await prepareAgent(config({ command: ['codex'], bin: '/bin/sh' }), { cwd: outside, env: { PATH: '/usr/bin:/bin' }, workDir: join(outside, 'p'), uid: 1000, probe: runs });
    expect(plain.command).toContain('--skip-git-repo-check');
    expect(worktreeGitDir(outside, join(repo, '.git'))).toEqual([]);
  });
});

describe('harness run with an agent that cannot run', () => {
  it('exits 2 before opening the state or starting a session', async () => {
    const cwd = dir();
    const file = writeIssues(cwd, [{ id: 'A', title: 'a' }]);
    const t = makeIO(cwd, { PATH: cwd });
    expect(await main(['run', '--issues', file, '--agent', 'gemini'], t.io)).toBe(2);
    expect(t.stderr()).toMatch(/harness: the agent cannot run, so no session was started: gemini was not found on PATH\. Install it \(npm install -g @google\/gemini-cli\)/);
    expect(() => execFileSync('test', ['-e', join(cwd, '.harness')])).toThrow();
  });
});
