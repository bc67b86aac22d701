import { describe, expect, it } from 'vitest';
import { FIELD_PATHS, HARNESS_ENV_VAR, kebabCase, SCALAR_FIELD_KINDS } from '../../src/config/fields.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';

describe('HARNESS_ENV_VAR', () => {
  it.each([
    ['maxWorkers', 'HARNESS_MAX_WORKERS'],
    ['workerStallTimeoutMs', 'HARNESS_WORKER_STALL_TIMEOUT_MS'],
    ['state', 'HARNESS_STATE'],
    ['agent.command', 'HARNESS_AGENT_COMMAND'],
    ['workspace.mode', 'HARNESS_WORKSPACE'],
    ['workspace.setup', 'HARNESS_WORKSPACE_SETUP'],
    ['merge.batchSize', 'HARNESS_MERGE_BATCH_SIZE'],
    ['agent.prompt', 'HARNESS_AGENT_PROMPT'],
  ] as const)('%s → %s', (field, variable) => {
    expect(HARNESS_ENV_VAR(field)).toBe(variable);
  });
});

describe('field table', () => {
  it('covers every scalar field of the defaults', () => {
    const { agent: _agent, workspace: _workspace, merge: _merge, tracker: _tracker, hooks: _hooks, host: _host, fleet: _fleet, ...scalars } = DEFAULT_CONFIG;
    expect(Object.keys(SCALAR_FIELD_KINDS).sort()).toEqual(Object.keys(scalars).sort());
  });

  it('lists every leaf of every group as a dotted path', () => {
    for (const group of ['workspace', 'merge', 'agent', 'hooks', 'host'] as const) {
      const leaves = Object.keys(DEFAULT_CONFIG[group]).map((leaf) => `${group}.${leaf}`);
      expect(FIELD_PATHS.filter((path) => path.startsWith(`${group}.`))).toEqual(leaves);
    }
  });

  it('lists the agent fields as dotted paths', () => {
    expect(FIELD_PATHS.filter((p) => p.startsWith('agent.'))).toEqual([
      'agent.command',
      'agent.prompt',
      'agent.format',
      'agent.resume',
      'agent.model',
      'agent.permissionMode',
      'agent.sandbox',
      'agent.bin',
    ]);
  });

  it('kebab-cases field names', () => {
    expect(kebabCase('maxSessionsPerWorker')).toBe('max-sessions-per-worker');
  });
});
