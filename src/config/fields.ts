/**
 * The one table of config fields: what kind of value each holds. The schema,
 * the env-var layer, the flag layer and `config show` all read it, so a new
 * HarnessConfig field is added here once.
 */
import type { HarnessConfig } from './types.js';

/** count: positive integer; duration: positive ms; ratio: positive number. */
export type FieldKind = 'count' | 'duration' | 'ratio' | 'path' | 'workspace';

export type ScalarField = Exclude<keyof HarnessConfig, 'agent'>;
export type AgentField = 'agent.command' | 'agent.prompt';
/** A dotted path to one leaf of HarnessConfig, e.g. `maxWorkers` or `agent.command`. */
export type FieldPath = ScalarField | AgentField;

export const SCALAR_FIELD_KINDS = {
  minWorkers: 'count',
  maxWorkers: 'count',
  targetQueueDepth: 'count',
  maxQueueDepth: 'count',
  workerStallTimeoutMs: 'duration',
  healthCheckIntervalMs: 'duration',
  scaleUpThreshold: 'ratio',
  scaleDownThreshold: 'ratio',
  scaleCooldownMs: 'duration',
  maxSessionsPerWorker: 'count',
  maxAttempts: 'count',
  sessionTimeoutMs: 'duration',
  killGraceMs: 'duration',
  retryDelayMs: 'duration',
  logMaxBytes: 'count',
  state: 'path',
  workspace: 'workspace',
} as const satisfies Record<ScalarField, FieldKind>;

export const SCALAR_FIELDS = Object.keys(SCALAR_FIELD_KINDS) as ScalarField[];
export const AGENT_FIELDS: readonly AgentField[] = ['agent.command', 'agent.prompt'];
export const FIELD_PATHS: readonly FieldPath[] = [...SCALAR_FIELDS, ...AGENT_FIELDS];

export const WORKSPACE_MODES = ['shared', 'worktree'] as const;

/** The "expected …" half of a problem message, per kind of value. */
export const EXPECTED = {
  count: 'a positive integer',
  duration: 'a positive duration (milliseconds, or e.g. "30s", "10m", "1h")',
  ratio: 'a positive number',
  path: 'a non-empty string',
  workspace: '"shared" or "worktree"',
  agent: 'an object with "command" and/or "prompt"',
  command: 'a non-empty array of non-empty strings, or a command line string',
  commandLine: 'a command line with matching quotes',
  prompt: 'a string',
  settings: 'an object of settings',
} as const;

export function isDurationField(path: string): boolean {
  return (SCALAR_FIELD_KINDS as Record<string, FieldKind>)[path] === 'duration';
}

/** `workerStallTimeoutMs` → `worker_stall_timeout_ms`; `agent.command` → `agent_command`. */
export function snakeCase(path: string): string {
  return path.replace(/\./g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** `workerStallTimeoutMs` → `worker-stall-timeout-ms`. */
export function kebabCase(path: string): string {
  return snakeCase(path).replace(/_/g, '-');
}

/** The environment variable that sets a field: `maxWorkers` → `HARNESS_MAX_WORKERS`. */
export function HARNESS_ENV_VAR(field: FieldPath): string {
  return `HARNESS_${snakeCase(field).toUpperCase()}`;
}
