import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { FIELD_PATHS } from '../../src/config/fields.js';
import { addConfigFlags, CONFIG_FLAGS, configPathOption, flagFor, flagsToOverrides } from '../../src/config/flags.js';
import { resolveConfig } from '../../src/config/load.js';
import { makeProject, PACKAGE_JSON } from './project.js';

function parse(args: string[]): Record<string, unknown> {
  const command = addConfigFlags(new Command('run').exitOverride());
  command.parse(args, { from: 'user' });
  return command.opts();
}

describe('addConfigFlags + flagsToOverrides', () => {
  it('maps parsed flags to field paths', () => {
    const opts = parse([
      '--min-workers', '2',
      '--max-workers', '12',
      '--target-queue-depth', '5',
      '--max-queue-depth', '50',
      '--stall-timeout', '30s',
      '--health-interval', '10s',
      '--scale-up-threshold', '1.5',
      '--scale-down-threshold', '0.2',
      '--cooldown', '2m',
      '--max-sessions-per-worker', '9',
      '--max-attempts', '4',
      '--session-timeout', '1h',
      '--kill-grace', '1s',
      '--retry-delay', '500ms',
      '--log-max-bytes', '2048',
      '--state', 'db.sqlite',
      '--worktrees',
      '--agent', 'node agent.mjs --fast',
      '--config', 'ci.json',
    ]);
    expect(flagsToOverrides(opts)).toEqual({
      minWorkers: '2',
      maxWorkers: '12',
      targetQueueDepth: '5',
      maxQueueDepth: '50',
      workerStallTimeoutMs: '30s',
      healthCheckIntervalMs: '10s',
      scaleUpThreshold: '1.5',
      scaleDownThreshold: '0.2',
      scaleCooldownMs: '2m',
      maxSessionsPerWorker: '9',
      maxAttempts: '4',
      sessionTimeoutMs: '1h',
      killGraceMs: '1s',
      retryDelayMs: '500ms',
      logMaxBytes: '2048',
      state: 'db.sqlite',
      'workspace.mode': 'worktree',
      'agent.command': 'node agent.mjs --fast',
    });
    expect(configPathOption(opts)).toBe('ci.json');
  });

  it('sets nothing when no flag is given, so file and env values stand', () => {
    const opts = parse([]);
    expect(flagsToOverrides(opts)).toEqual({});
    expect(configPathOption(opts)).toBeUndefined();
  });

  it('feeds resolveConfig, which records the flag as the source', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON });
    const flags = flagsToOverrides(parse(['--max-workers', '12', '--cooldown', '30s']));
    const resolved = await resolveConfig({ cwd, env: { HARNESS_MAX_WORKERS: '8' }, flags });
    expect(resolved.config.maxWorkers).toBe(12);
    expect(resolved.config.scaleCooldownMs).toBe(30_000);
    expect(resolved.sources.maxWorkers).toEqual({ kind: 'flag', flag: '--max-workers' });
    expect(resolved.sources.scaleCooldownMs).toEqual({ kind: 'flag', flag: '--cooldown' });
  });

  it('shows each flag with its default in help', () => {
    const help = addConfigFlags(new Command('run')).helpInformation();
    expect(help).toMatch(/--max-workers <n>\s+largest pool size \(default 30\)/);
    expect(help).toMatch(/--stall-timeout <duration>\s+.*\(default 10m\)/);
    expect(help).toContain('--config <path>');
    // Each description fits on its flag's line, so no default is wrapped away.
    for (const flag of CONFIG_FLAGS) {
      const line = help.split('\n').find((text) => text.trimStart().startsWith(`${flag.spec} `));
      expect(line, flag.spec).toMatch(/\(default/);
    }
  });
});

describe('CONFIG_FLAGS', () => {
  it('has one flag per field, each mentioning its default', () => {
    const fields = CONFIG_FLAGS.map((flag) => flag.field);
    expect(new Set(fields).size).toBe(fields.length);
    for (const flag of CONFIG_FLAGS) expect(flag.description).toMatch(/default/);
  });

  it('covers every field except the prompt, the worktree, merge and hook settings and some tracker settings, which live in the config file', () => {
    expect(FIELD_PATHS.filter((field) => !CONFIG_FLAGS.some((flag) => flag.field === field))).toEqual([
      'workspace.setup',
      'workspace.copy',
      'workspace.keep',
      'merge.mode',
      'merge.strategy',
      'merge.verify',
      'merge.target',
      'merge.push',
      'merge.batchSize',
      'merge.requireCommits',
      'agent.prompt',
      'agent.resume',
      'agent.permissionMode',
      'agent.sandbox',
      'agent.bin',
      'tracker.retryMs',
      'tracker.limit',
      'tracker.bin',
      'hooks.afterCreate',
      'hooks.beforeRun',
      'hooks.afterRun',
      'hooks.beforeRemove',
      'hooks.timeoutMs',
    ]);
  });

  it.each([
    ['maxWorkers', '--max-workers'],
    ['workerStallTimeoutMs', '--stall-timeout'],
    ['workspace.mode', '--worktrees'],
    ['agent.command', '--agent'],
    ['agent.prompt', '--agent-prompt'],
  ] as const)('flagFor(%s) = %s', (field, flag) => {
    expect(flagFor(field)).toBe(flag);
  });
});
