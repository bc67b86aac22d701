import { describe, expect, it } from 'vitest';
import { describeSource, describeValue, renderConfigJson, renderConfigListing } from '../../src/config/show.js';
import { DEFAULT_CONFIG, type ResolvedConfig } from '../../src/config/types.js';
import { FIELD_PATHS } from '../../src/config/fields.js';

describe('describeSource', () => {
  it.each([
    [{ kind: 'default' }, 'default'],
    [{ kind: 'file', path: '/work/app/harness.config.json' }, 'harness.config.json'],
    [{ kind: 'file', path: '/elsewhere/harness.yml' }, '/elsewhere/harness.yml'],
    [{ kind: 'env', variable: 'HARNESS_MAX_WORKERS' }, 'env HARNESS_MAX_WORKERS'],
    [{ kind: 'flag', flag: '--max-workers' }, 'flag --max-workers'],
  ] as const)('%j → %s', (source, expected) => {
    expect(describeSource(source, '/work/app')).toBe(expected);
  });
});

describe('describeValue', () => {
  it.each([
    ['workerStallTimeoutMs', '600000 (10m)'],
    ['scaleCooldownMs', '60000 (1m)'],
    ['maxWorkers', '30'],
    ['scaleDownThreshold', '0.5'],
    ['workspace.mode', 'shared'],
    ['workspace.copy', '[]'],
    ['workspace.keep', 'false'],
    ['merge.verify', 'null (land without verifying)'],
    ['merge.target', 'null (the branch checked out at start)'],
    ['merge.batchSize', '1'],
    ['agent.command', JSON.stringify(DEFAULT_CONFIG.agent.command)],
  ] as const)('%s → %s', (field, expected) => {
    expect(describeValue(field, DEFAULT_CONFIG)).toBe(expected);
  });

  it('shortens a multi-line prompt and says how long it is', () => {
    const value = describeValue('agent.prompt', { ...DEFAULT_CONFIG, agent: { ...DEFAULT_CONFIG.agent, command: ['x'], prompt: `${'a'.repeat(80)}\nb` } });
    expect(value).toBe(`"${'a'.repeat(58)}… (2 lines)`);
  });
});

describe('renderConfigListing', () => {
  const resolved: ResolvedConfig = {
    config: { ...DEFAULT_CONFIG, maxWorkers: 12, minWorkers: 2 },
    sources: {
      ...Object.fromEntries(FIELD_PATHS.map((path) => [path, { kind: 'default' }])),
      maxWorkers: { kind: 'env', variable: 'HARNESS_MAX_WORKERS' },
      minWorkers: { kind: 'file', path: '/p/harness.config.json' },
    },
    file: '/p/harness.config.json',
  };

  it('lists every field with aligned value and source columns', () => {
    const lines = renderConfigListing(resolved, '/p').trimEnd().split('\n');
    expect(lines[0]).toBe('config file: harness.config.json');
    expect(lines[2]).toMatch(/^field\s+value\s+source$/);
    expect(lines.slice(3, 3 + FIELD_PATHS.length).map((line) => line.split(/\s+/)[0])).toEqual(FIELD_PATHS);
    // Below the fields, what sessions will run.
    expect(lines.slice(3 + FIELD_PATHS.length)).toEqual([
      '',
      'agent: the claude preset, read as claude-stream-json, retries resume its conversation: claude -p --output-format stream-json --verbose --permission-mode bypassPermissions',
    ]);
    expect(lines).toContain(lines.find((line) => /^maxWorkers\s+12\s+env HARNESS_MAX_WORKERS$/.test(line)));
    expect(lines.some((line) => /^minWorkers\s+2\s+harness\.config\.json$/.test(line))).toBe(true);
    expect(lines.some((line) => /^workerStallTimeoutMs\s+600000 \(10m\)\s+default$/.test(line))).toBe(true);
    const sourceColumn = new Set(lines.slice(2, 3 + FIELD_PATHS.length).map((line) => line.search(/(?<=\s)(source|default|env |harness\.config)/)));
    expect(sourceColumn.size).toBe(1);
  });

  it('says when no file is in use', () => {
    expect(renderConfigListing({ ...resolved, file: null }, '/p')).toMatch(/^config file: none/);
  });
});

describe('renderConfigJson', () => {
  it('is the resolved config as JSON', () => {
    expect(JSON.parse(renderConfigJson(resolved()))).toEqual({
      ...resolved(),
      agent: { preset: 'claude', format: 'claude-stream-json', resume: true, argv: ['claude', '-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'bypassPermissions'] },
    });
  });
});

function resolved(): ResolvedConfig {
  return { config: { ...DEFAULT_CONFIG, agent: { ...DEFAULT_CONFIG.agent } }, sources: { maxWorkers: { kind: 'default' } }, file: null };
}
