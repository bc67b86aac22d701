import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIELD_PATHS } from '../../src/config/fields.js';
import { HARNESS_ENV_VAR, resolveConfig, validateConfigFile, type ResolveConfigOptions } from '../../src/config/load.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { ConfigError } from '../../src/errors.js';
import { json, makeProject, PACKAGE_JSON } from './project.js';

async function configErrorOf(options: ResolveConfigOptions): Promise<ConfigError> {
  const error = await resolveConfig(options).catch((caught: unknown) => caught);
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
  return error;
}

describe('resolveConfig', () => {
  it('resolves to the defaults when nothing is set', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON });
    const resolved = await resolveConfig({ cwd, env: {} });
    expect(resolved.config).toEqual(DEFAULT_CONFIG);
    expect(resolved.file).toBeNull();
    expect(Object.keys(resolved.sources)).toEqual([...FIELD_PATHS]);
    expect(new Set(Object.values(resolved.sources).map((source) => source.kind))).toEqual(new Set(['default']));
  });

  it.each([
    ['default', {}, {}, {}, 30, { kind: 'default' }],
    ['file over default', { maxWorkers: 12 }, {}, {}, 12, { kind: 'file', path: 'harness.config.json' }],
    [
      'env over file',
      { maxWorkers: 12 },
      { HARNESS_MAX_WORKERS: '16' },
      {},
      16,
      { kind: 'env', variable: 'HARNESS_MAX_WORKERS' },
    ],
    [
      'flag over env',
      { maxWorkers: 12 },
      { HARNESS_MAX_WORKERS: '16' },
      { maxWorkers: '20' },
      20,
      { kind: 'flag', flag: '--max-workers' },
    ],
  ] as const)('%s', async (_name, file, env, flags, expected, source) => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON, 'harness.config.json': json(file) });
    const resolved = await resolveConfig({ cwd, env, flags });
    expect(resolved.config.maxWorkers).toBe(expected);
    const expectedSource = source.kind === 'file' ? { kind: 'file', path: path.join(cwd, source.path) } : source;
    expect(resolved.sources.maxWorkers).toEqual(expectedSource);
    // Fields no layer sets keep the default source.
    expect(resolved.sources.minWorkers).toEqual({ kind: 'default' });
  });

  it('tracks agent fields separately', async () => {
    const cwd = makeProject({
      'package.json': PACKAGE_JSON,
      '.harnessrc.yaml': 'agent:\n  prompt: "Fix {{id}}"\n',
    });
    const resolved = await resolveConfig({ cwd, env: { HARNESS_AGENT_COMMAND: 'node "my agent.mjs" --fast' } });
    expect(resolved.config.agent).toEqual({ ...DEFAULT_CONFIG.agent, command: ['node', 'my agent.mjs', '--fast'], prompt: 'Fix {{id}}' });
    expect(resolved.sources['agent.command']).toEqual({ kind: 'env', variable: 'HARNESS_AGENT_COMMAND' });
    expect(resolved.sources['agent.prompt']).toEqual({ kind: 'file', path: path.join(cwd, '.harnessrc.yaml') });
  });

  it('reads every scalar field from its env var', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON });
    const env = {
      HARNESS_MIN_WORKERS: '2',
      HARNESS_MAX_WORKERS: '12',
      HARNESS_TARGET_QUEUE_DEPTH: '5',
      HARNESS_MAX_QUEUE_DEPTH: '50',
      HARNESS_WORKER_STALL_TIMEOUT_MS: '60000',
      HARNESS_HEALTH_CHECK_INTERVAL_MS: '10s',
      HARNESS_SCALE_UP_THRESHOLD: '1.5',
      HARNESS_SCALE_DOWN_THRESHOLD: '0.25',
      HARNESS_SCALE_COOLDOWN_MS: '2m',
      HARNESS_MAX_SESSIONS_PER_WORKER: '20',
      HARNESS_MAX_ATTEMPTS: '5',
      HARNESS_SESSION_TIMEOUT_MS: '1h',
      HARNESS_KILL_GRACE_MS: '500ms',
      HARNESS_RETRY_DELAY_MS: '1.5s',
      HARNESS_LOG_MAX_BYTES: '1024',
      HARNESS_STATE: 'tmp/state.db',
      HARNESS_WORKSPACE: 'worktree',
      HARNESS_WORKSPACE_SETUP: 'npm ci --silent',
      HARNESS_WORKSPACE_COPY: '.env, config/local.json',
      HARNESS_WORKSPACE_KEEP: 'true',
      HARNESS_MERGE_MODE: 'pr',
      HARNESS_MERGE_STRATEGY: 'squash',
      HARNESS_MERGE_VERIFY: 'npm test',
      HARNESS_MERGE_TARGET: 'develop',
      HARNESS_MERGE_PUSH: 'origin',
      HARNESS_MERGE_BATCH_SIZE: '4',
      HARNESS_MERGE_REQUIRE_COMMITS: 'false',
      HARNESS_AGENT_PROMPT: 'go',
      HARNESS_AGENT_FORMAT: 'claude-stream-json',
      HARNESS_AGENT_RESUME: 'false',
      HARNESS_AGENT_MODEL: 'claude-sonnet-4-5',
      HARNESS_AGENT_PERMISSION_MODE: 'acceptEdits',
      HARNESS_AGENT_SANDBOX: 'read-only',
      HARNESS_AGENT_BIN: '/opt/claude',
      HARNESS_MAX_COST_USD: '25',
      HARNESS_MAX_TOKENS: '2000000',
      HARNESS_ISSUE_MAX_COST_USD: '2.5',
      HARNESS_ISSUE_MAX_TOKENS: '400000',
      HARNESS_ON_HOLD: 'stop',
      HARNESS_CIRCUIT_BREAKER: '0',
      HARNESS_SOURCE: 'github',
      HARNESS_ON_BLOCKER_FAILURE: 'wait',
      HARNESS_TRACKER_TIMEOUT_MS: '10s',
      HARNESS_TRACKER_RETRY_MS: '1m',
      HARNESS_TRACKER_LABEL: 'agents',
      HARNESS_TRACKER_LIMIT: '20',
      HARNESS_TRACKER_ASSIGN: 'true',
      HARNESS_TRACKER_BIN: '/opt/gh',
      HARNESS_HOOKS_AFTER_CREATE: 'make deps',
      HARNESS_HOOKS_BEFORE_RUN: "git fetch --quiet 'origin'",
      HARNESS_HOOKS_AFTER_RUN: 'scripts/after.sh',
      HARNESS_HOOKS_BEFORE_REMOVE: 'docker compose down',
      HARNESS_HOOKS_TIMEOUT_MS: '2m',
      HARNESS_HOST_MAX_LOAD: '7.5',
      HARNESS_HOST_MIN_FREE_MEMORY: '2GB',
      HARNESS_STORE_URL: 'postgres://harness:secret@db.internal:5432/fleet',
      HARNESS_FLEET_MAX_WORKERS: '24',
      HARNESS_FLEET_LEASE_MS: '45s',
    };
    const resolved = await resolveConfig({ cwd, env });
    expect(resolved.config).toEqual({
      minWorkers: 2,
      maxWorkers: 12,
      targetQueueDepth: 5,
      maxQueueDepth: 50,
      workerStallTimeoutMs: 60_000,
      healthCheckIntervalMs: 10_000,
      scaleUpThreshold: 1.5,
      scaleDownThreshold: 0.25,
      scaleCooldownMs: 120_000,
      maxSessionsPerWorker: 20,
      maxAttempts: 5,
      sessionTimeoutMs: 3_600_000,
      killGraceMs: 500,
      retryDelayMs: 1_500,
      logMaxBytes: 1024,
      state: 'tmp/state.db',
      store: 'postgres://harness:secret@db.internal:5432/fleet',
      maxCostUsd: 25,
      maxTokens: 2_000_000,
      issueMaxCostUsd: 2.5,
      issueMaxTokens: 400_000,
      onHold: 'stop',
      circuitBreaker: 0,
      source: 'github',
      onBlockerFailure: 'wait',
      tracker: { timeoutMs: 10_000, retryMs: 60_000, label: 'agents', limit: 20, assign: true, bin: '/opt/gh' },
      workspace: { mode: 'worktree', setup: ['npm', 'ci', '--silent'], copy: ['.env', 'config/local.json'], keep: true },
      hooks: {
        afterCreate: ['make', 'deps'],
        beforeRun: ['git', 'fetch', '--quiet', 'origin'],
        afterRun: ['scripts/after.sh'],
        beforeRemove: ['docker', 'compose', 'down'],
        timeoutMs: 120_000,
      },
      host: { maxLoad: 7.5, minFreeMemory: 2_000_000_000 },
      fleet: { maxWorkers: 24, leaseMs: 45_000 },
      merge: {
        mode: 'pr',
        strategy: 'squash',
        verify: ['npm', 'test'],
        target: 'develop',
        push: 'origin',
        batchSize: 4,
        requireCommits: false,
      },
      agent: {
        command: DEFAULT_CONFIG.agent.command,
        prompt: 'go',
        format: 'claude-stream-json',
        resume: false,
        model: 'claude-sonnet-4-5',
        permissionMode: 'acceptEdits',
        sandbox: 'read-only',
        bin: '/opt/claude',
      },
    });
    for (const field of FIELD_PATHS.filter((p) => p !== 'agent.command')) {
      expect(resolved.sources[field]).toEqual({ kind: 'env', variable: HARNESS_ENV_VAR(field) });
    }
  });

  it('treats an empty env var as unset', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON });
    const resolved = await resolveConfig({ cwd, env: { HARNESS_MAX_WORKERS: '' } });
    expect(resolved.sources.maxWorkers).toEqual({ kind: 'default' });
  });

  it('accepts flag values as text: counts, durations and a command line', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON });
    const resolved = await resolveConfig({
      cwd,
      env: {},
      flags: { maxWorkers: '12', workerStallTimeoutMs: '30s', 'agent.command': 'node a.mjs', workspace: 'worktree' },
    });
    expect(resolved.config).toMatchObject({
      maxWorkers: 12,
      workerStallTimeoutMs: 30_000,
      workspace: { ...DEFAULT_CONFIG.workspace, mode: 'worktree' },
      agent: { command: ['node', 'a.mjs'] },
    });
    expect(resolved.sources.workerStallTimeoutMs).toEqual({ kind: 'flag', flag: '--stall-timeout' });
    expect(resolved.sources['workspace.mode']).toEqual({ kind: 'flag', flag: '--worktrees' });
    expect(resolved.sources['agent.command']).toEqual({ kind: 'flag', flag: '--agent' });
  });

  it('reads the agent, budget and hold flags: a bare preset name, amounts, a mode and a count that may be 0', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON });
    const resolved = await resolveConfig({
      cwd,
      env: {},
      flags: { 'agent.command': 'codex', 'agent.model': 'gpt-5-codex', maxCostUsd: '12.5', maxTokens: '2000000', issueMaxCostUsd: '0.75', issueMaxTokens: '90000', onHold: 'stop', circuitBreaker: '0' },
    });
    expect(resolved.config).toMatchObject({ maxCostUsd: 12.5, maxTokens: 2_000_000, issueMaxCostUsd: 0.75, issueMaxTokens: 90_000, onHold: 'stop', circuitBreaker: 0 });
    expect(resolved.config.agent).toMatchObject({ command: ['codex'], model: 'gpt-5-codex' });
    expect(resolved.sources.maxCostUsd).toEqual({ kind: 'flag', flag: '--max-cost-usd' });
    expect(resolved.sources.circuitBreaker).toEqual({ kind: 'flag', flag: '--circuit-breaker' });
  });

  it('refuses agent settings that do not go together, naming the flag or field and the fix', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON, 'harness.config.json': json({ agent: { command: 'gemini', resume: true } }) });
    await expect(resolveConfig({ cwd, env: {}, flags: { 'agent.format': 'codex-json', maxCostUsd: '-1' } })).rejects.toThrow(
      /invalid configuration in harness\.config\.json:\n {2}- --max-cost-usd: expected null or a positive amount in USD, e\.g\. 25 or 0\.5, received -1\n {2}- agent\.format: expected gemini-stream-json \(what the gemini preset prints\) or nothing, received "codex-json"[^\n]*\n {2}- agent\.resume: the gemini preset cannot resume a session/,
    );
  });

  it('uses the file given by configPath instead of searching', async () => {
    const cwd = makeProject({
      'package.json': PACKAGE_JSON,
      'harness.config.json': json({ maxWorkers: 5 }),
      'ci/harness.yml': 'maxWorkers: 8\n',
    });
    const resolved = await resolveConfig({ cwd, configPath: 'ci/harness.yml', env: {} });
    expect(resolved.config.maxWorkers).toBe(8);
    expect(resolved.file).toBe(path.join(cwd, 'ci/harness.yml'));
  });

  it('fails when configPath names a missing file', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON });
    const error = await configErrorOf({ cwd, configPath: 'missing.json', env: {} });
    expect(error.problems).toEqual(['config file not found: missing.json; check the path (a .json, .yaml, .yml, .js or .mjs file, or package.json with a "harness" key)']);
  });
});

describe('resolveConfig problems', () => {
  it('names both fields for minWorkers "four" with maxWorkers 2', async () => {
    const cwd = makeProject({
      'package.json': PACKAGE_JSON,
      'harness.config.json': json({ minWorkers: 'four', maxWorkers: 2 }),
    });
    const error = await configErrorOf({ cwd, env: {} });
    expect(error.source).toBe('harness.config.json');
    expect(error.problems).toEqual([
      'minWorkers: expected a positive integer, received "four"',
      'maxWorkers: expected ≥ minWorkers (4), received 2: raise maxWorkers or lower minWorkers',
    ]);
    expect(error.message).toContain('invalid configuration in harness.config.json');
  });

  it('suggests the nearest field for an unknown key', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON, '.harnessrc.json': json({ maxWorker: 3, agent: { comand: 'x' } }) });
    const error = await configErrorOf({ cwd, env: {} });
    expect(error.problems).toEqual(
      expect.arrayContaining([
        'maxWorker: unknown field; did you mean "maxWorkers"?',
        'agent.comand: unknown field; did you mean "agent.command"?',
      ]),
    );
  });

  it('names the env var that holds a bad value', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON });
    const error = await configErrorOf({
      cwd,
      env: { HARNESS_MAX_WORKERS: 'abc', HARNESS_KILL_GRACE_MS: '5 seconds', HARNESS_AGENT_COMMAND: "node 'x" },
    });
    expect(error.source).toBeUndefined();
    expect(error.problems).toEqual([
      'HARNESS_MAX_WORKERS: expected a positive integer, received "abc"',
      'HARNESS_KILL_GRACE_MS: expected a positive duration (milliseconds, or e.g. "30s", "10m", "1h"), received "5 seconds"',
      `HARNESS_AGENT_COMMAND: expected a command line with matching quotes, received "node 'x"`,
    ]);
  });

  it('names the flag that holds a bad value', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON });
    const error = await configErrorOf({ cwd, env: {}, flags: { maxWorkers: '-3', scaleCooldownMs: 'soon' } });
    expect(error.problems).toEqual([
      '--max-workers: expected a positive integer, received -3',
      expect.stringMatching(/^--cooldown: expected a positive duration .*, received "soon"$/),
    ]);
  });

  it('applies cross-field rules across layers and reports every broken rule', async () => {
    const cwd = makeProject({
      'package.json': PACKAGE_JSON,
      'harness.config.json': json({ minWorkers: 10, scaleUpThreshold: 0.4 }),
    });
    const error = await configErrorOf({
      cwd,
      env: { HARNESS_TARGET_QUEUE_DEPTH: '500' },
      flags: { maxWorkers: '6' },
    });
    expect(error.source).toBe('harness.config.json');
    expect(error.problems).toEqual([
      'maxWorkers: expected ≥ minWorkers (10), received 6: raise maxWorkers or lower minWorkers',
      expect.stringMatching(/^scaleDownThreshold: expected < scaleUpThreshold \(0\.4\), received 0\.5:/),
      'targetQueueDepth: expected ≤ maxQueueDepth (100), received 500: lower targetQueueDepth or raise maxQueueDepth',
    ]);
  });

  it('collects problems from every layer into one error', async () => {
    const cwd = makeProject({ 'package.json': PACKAGE_JSON, 'harness.config.json': json({ workspace: 'docker' }) });
    const error = await configErrorOf({ cwd, env: { HARNESS_MAX_ATTEMPTS: '0' }, flags: { state: '' } });
    expect(error.problems).toEqual([
      'workspace: expected "shared", "worktree" or "worker", received "docker"',
      'HARNESS_MAX_ATTEMPTS: expected a positive integer, received 0',
      '--state: expected a non-empty string, received ""',
    ]);
  });
});

describe('validateConfigFile', () => {
  it('returns no problems for a valid file', async () => {
    const cwd = makeProject({ 'harness.config.yaml': 'maxWorkers: 12\nworkerStallTimeoutMs: 5m\n' });
    expect(await validateConfigFile('harness.config.yaml', cwd)).toEqual([]);
  });

  it('applies cross-field rules against the defaults, a pool bound below the default smallest pool bringing it down', async () => {
    const cwd = makeProject({ 'harness.config.json': json({ maxWorkers: 2 }) });
    expect(await validateConfigFile('harness.config.json', cwd)).toEqual([]);
    const given = makeProject({ 'harness.config.json': json({ maxWorkers: 2, minWorkers: 3 }) });
    expect(await validateConfigFile('harness.config.json', given)).toEqual(['maxWorkers: expected ≥ minWorkers (3), received 2: raise maxWorkers or lower minWorkers']);
    expect((await resolveConfig({ cwd, env: {} })).config).toMatchObject({ maxWorkers: 2, minWorkers: 2 });
  });

  it('returns a parse failure as a problem', async () => {
    const cwd = makeProject({ 'harness.config.json': '{ maxWorkers: 2 }' });
    expect(await validateConfigFile('harness.config.json', cwd)).toEqual([
      expect.stringMatching(/^could not read harness\.config\.json: .*; check the JSON/),
    ]);
  });
});
