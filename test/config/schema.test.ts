import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configFileSchema } from '../../src/config/schema.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';

function parse(input: unknown) {
  return configFileSchema.safeParse(input);
}

describe('configFileSchema', () => {
  it('accepts an empty file: every field is optional', () => {
    expect(parse({})).toEqual({ success: true, data: {} });
  });

  it.each<[string, unknown, unknown]>([
    ['a count', { maxWorkers: 12 }, { maxWorkers: 12 }],
    ['a ratio', { scaleUpThreshold: 1.5 }, { scaleUpThreshold: 1.5 }],
    ['a duration in ms', { workerStallTimeoutMs: 60000 }, { workerStallTimeoutMs: 60000 }],
    ['a duration string', { workerStallTimeoutMs: '30s' }, { workerStallTimeoutMs: 30000 }],
    ['a numeric duration string', { retryDelayMs: '2500' }, { retryDelayMs: 2500 }],
    ['a workspace mode alone', { workspace: 'worktree' }, { workspace: { mode: 'worktree' } }],
    [
      'workspace settings',
      { workspace: { mode: 'worktree', setup: 'npm ci', copy: ['.env', 'config/dev.json'], keep: true } },
      { workspace: { mode: 'worktree', setup: ['npm', 'ci'], copy: ['.env', 'config/dev.json'], keep: true } },
    ],
    ['no workspace setup', { workspace: { setup: null } }, { workspace: { setup: null } }],
    [
      'merge settings',
      { merge: { mode: 'pr', strategy: 'squash', verify: ['npm', 'test'], target: 'main', push: 'origin', batchSize: 4, requireCommits: false } },
      { merge: { mode: 'pr', strategy: 'squash', verify: ['npm', 'test'], target: 'main', push: 'origin', batchSize: 4, requireCommits: false } },
    ],
    ['a verify command line', { merge: { verify: 'npm run "unit tests"' } }, { merge: { verify: ['npm', 'run', 'unit tests'] } }],
    ['no verify, target or push', { merge: { verify: null, target: null, push: null } }, { merge: { verify: null, target: null, push: null } }],
    ['a state path', { state: 'db/state.sqlite' }, { state: 'db/state.sqlite' }],
    ['an argv array', { agent: { command: ['claude', '-p'] } }, { agent: { command: ['claude', '-p'] } }],
    [
      'a command line, split without a shell',
      { agent: { command: 'claude -p "fix it" --yes' } },
      { agent: { command: ['claude', '-p', 'fix it', '--yes'] } },
    ],
    ['a prompt', { agent: { prompt: 'do {{id}}' } }, { agent: { prompt: 'do {{id}}' } }],
  ])('accepts %s', (_name, input, output) => {
    expect(parse(input)).toEqual({ success: true, data: output });
  });

  it.each<[string, unknown, string]>([
    ['a zero count', { minWorkers: 0 }, 'minWorkers'],
    ['a fractional count', { maxAttempts: 2.5 }, 'maxAttempts'],
    ['a count given as text', { maxWorkers: '12' }, 'maxWorkers'],
    ['a negative ratio', { scaleDownThreshold: -0.5 }, 'scaleDownThreshold'],
    ['a zero duration', { killGraceMs: 0 }, 'killGraceMs'],
    ['a bad duration string', { killGraceMs: '10x' }, 'killGraceMs'],
    ['an empty state path', { state: '' }, 'state'],
    ['an unknown workspace mode', { workspace: 'docker' }, 'workspace.mode'],
    ['an unknown workspace setting', { workspace: { mode: 'worktree', bootstrap: 'x' } }, 'workspace'],
    ['a copy path outside the project', { workspace: { copy: ['../secrets'] } }, 'workspace.copy'],
    ['an absolute copy path', { workspace: { copy: ['/etc/passwd'] } }, 'workspace.copy'],
    ['a keep that is not a boolean', { workspace: { keep: 'yes' } }, 'workspace.keep'],
    ['an unknown merge mode', { merge: { mode: 'push' } }, 'merge.mode'],
    ['an unknown strategy', { merge: { strategy: 'octopus' } }, 'merge.strategy'],
    ['an empty verify argv', { merge: { verify: [] } }, 'merge.verify'],
    ['a zero batch size', { merge: { batchSize: 0 } }, 'merge.batchSize'],
    ['an empty target', { merge: { target: '' } }, 'merge.target'],
    ['merge given as text', { merge: 'rebase' }, 'merge'],
    ['an empty argv', { agent: { command: [] } }, 'agent.command'],
    ['an argv with an empty string', { agent: { command: ['node', ''] } }, 'agent.command'],
    ['a blank command line', { agent: { command: '   ' } }, 'agent.command'],
    ['an unterminated quote', { agent: { command: "node 'x" } }, 'agent.command'],
    ['an unknown key', { maxWorker: 3 }, ''],
    ['an unknown agent key', { agent: { cmd: ['x'] } }, 'agent'],
  ])('rejects %s', (_name, input, path) => {
    const result = parse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(path);
  });
});

describe('harness.config.example.json', () => {
  const example: unknown = JSON.parse(
    readFileSync(new URL('../../harness.config.example.json', import.meta.url), 'utf8'),
  );

  it('is valid against the schema', () => {
    expect(parse(example).success).toBe(true);
  });

  it('holds every field at its default value', () => {
    expect(parse(example).data).toEqual(DEFAULT_CONFIG);
  });
});
