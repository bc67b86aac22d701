import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  claudePreset,
  codexPreset,
  knownRefusals,
  preflight,
  spawnVersionProbe,
  versionProblem,
  type VersionProbe,
  type VersionProbeResult,
} from '../../../src/agents/formats/index.js';
import { CLAUDE_BIN, haveClaude } from '../../helpers/real-cli.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'agents');
const ran = (exitCode: number, stdout = '', stderr = ''): VersionProbeResult => ({ kind: 'ran', exitCode, signal: null, stdout, stderr });
const probeAnswering =
  (result: VersionProbeResult): VersionProbe =>
  async () =>
    result;

describe('known refusals', () => {
  const bypass = claudePreset.argv();
  it.each<[string, readonly string[], Record<string, string>, number | null, boolean]>([
    ['root, bypassPermissions, no IS_SANDBOX', bypass, {}, 0, true],
    ['root, IS_SANDBOX=1', bypass, { IS_SANDBOX: '1' }, 0, false],
    ['root, IS_SANDBOX=yes (claude accepts only 1)', bypass, { IS_SANDBOX: 'yes' }, 0, true],
    ['a non-root user', bypass, {}, 1000, false],
    ['no user ids (another platform)', bypass, {}, null, false],
    ['root, acceptEdits', claudePreset.argv({ permissionMode: 'acceptEdits' }), {}, 0, false],
    ['root, --dangerously-skip-permissions by path', ['/usr/local/bin/claude', '-p', '--dangerously-skip-permissions'], {}, 0, true],
    ['root, --permission-mode=bypassPermissions', ['claude', '--permission-mode=bypassPermissions'], {}, 0, true],
    ['root, another agent with such a flag', ['my-agent', '--permission-mode', 'bypassPermissions'], {}, 0, false],
    ['root, codex', codexPreset.argv(), {}, 0, false],
  ])('%s', (_name, argv, env, uid, refused) => {
    const problems = knownRefusals(argv, env, uid);
    expect(problems.map((p) => p.code)).toEqual(refused ? ['root-bypass-refused'] : []);
  });

  it('the message says what to do: a non-root user, IS_SANDBOX=1 on a sandboxed machine, or another permission mode', () => {
    const [problem] = knownRefusals(claudePreset.argv(), {}, 0);
    expect(problem!.message).toMatch(/Run harness as a non-root user/);
    expect(problem!.message).toMatch(/on a sandboxed machine .* set IS_SANDBOX=1/);
    expect(problem!.message).toMatch(/choose another permission mode/);
  });
});

describe('the --version check', () => {
  it.each<[string, VersionProbeResult, RegExp | null]>([
    ['ran', ran(0, '2.1.197 (Claude Code)\n'), null],
    ['not found', { kind: 'not-found' }, /^claude was not found on PATH\. Install it \(npm install -g @anthropic-ai\/claude-code\)/],
    ['exits non-zero', ran(3, '', 'error: cannot find module\n'), /^claude --version exited with code 3: error: cannot find module\./],
    ['hangs', { kind: 'timeout', afterMs: 15_000 }, /^claude --version did not finish within 15 s/],
    ['cannot be run', { kind: 'failed', message: 'claude is not executable (EACCES)' }, /could not be run: claude is not executable/],
  ])('%s', (_name, outcome, message) => {
    const problem = versionProblem('claude', claudePreset, outcome);
    if (message === null) expect(problem).toBeNull();
    else expect(problem!.message).toMatch(message);
  });

  it('reports the version, and every problem at once', async () => {
    expect(await preflight({ argv: claudePreset.argv(), preset: claudePreset, env: { IS_SANDBOX: '1' }, uid: 0, probe: probeAnswering(ran(0, '2.1.197 (Claude Code)\n')) })).toEqual({
      ok: true,
      version: '2.1.197 (Claude Code)',
      problems: [],
    });
    const report = await preflight({ argv: claudePreset.argv(), preset: claudePreset, env: {}, uid: 0, probe: probeAnswering({ kind: 'not-found' }) });
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.code)).toEqual(['missing-binary', 'root-bypass-refused']);
  });

  it('runs exactly `<bin> --version`', async () => {
    const seen: (readonly string[])[] = [];
    await preflight({ argv: codexPreset.argv({ bin: '/opt/codex' }), preset: codexPreset, env: {}, uid: 1000, probe: async (argv) => (seen.push(argv), ran(0, 'codex-cli 0.171.0')) });
    expect(seen).toEqual([['/opt/codex', '--version']]);
  });
});

describe('spawnVersionProbe (real processes)', () => {
  const probe = spawnVersionProbe({ env: { PATH: process.env.PATH }, timeoutMs: 2000 });

  it('a missing binary', async () => {
    expect(await probe(['/nonexistent/agent-cli', '--version'])).toEqual({ kind: 'not-found' });
    expect(await probe(['no-such-agent-cli-on-path', '--version'])).toEqual({ kind: 'not-found' });
  });

  it('a binary that fails, and one that hangs (its process group is killed)', async () => {
    expect(await probe([join(FIXTURES, 'version-fails.sh'), '--version'])).toMatchObject({ kind: 'ran', exitCode: 3, stderr: "error: cannot find module 'agent-core'\n" });
    expect(await probe([join(FIXTURES, 'version-hangs.sh'), '--version'])).toEqual({ kind: 'timeout', afterMs: 2000 });
  });

  it.skipIf(!haveClaude)('the installed claude answers', async () => {
    const result = await spawnVersionProbe({ env: { PATH: process.env.PATH }, timeoutMs: 20_000 })([CLAUDE_BIN, '--version']);
    expect(result).toMatchObject({ kind: 'ran', exitCode: 0, stdout: expect.stringMatching(/^2\.1\.197 \(Claude Code\)/) });
  });
});
