/**
 * The one table of config fields: what kind of value each holds. The schema,
 * the env-var layer, the flag layer and `config show` all read it, so a new
 * HarnessConfig field is added here once.
 */
import { AGENT_FORMATS } from '../agents/formats/events.js';
import { CLAUDE_PERMISSION_MODES, CODEX_SANDBOXES } from '../agents/formats/presets.js';
import type { AgentConfig, HarnessConfig, HooksConfig, FleetConfig, HostConfig, MergeConfig, TrackerConfig, WorkspaceConfig } from './types.js';

const quoted = (values: readonly string[]): string => values.map((v) => `"${v}"`).join(', ');

/**
 * count: positive integer; duration: positive ms; ratio: positive number;
 * usd: positive amount or null; tokens: positive integer or null;
 * countOrZero: integer ≥ 0; holdMode: `wait` or `stop`; source: `file`,
 * `beads` or `github`; blockerMode: `fail` or `wait`.
 */
export type FieldKind = 'count' | 'duration' | 'ratio' | 'path' | 'usd' | 'tokens' | 'countOrZero' | 'holdMode' | 'source' | 'blockerMode' | 'storeUrl';

/** Fields that hold an object of settings rather than one value. */
export type GroupName = 'workspace' | 'merge' | 'agent' | 'tracker' | 'hooks' | 'host' | 'fleet';
export type ScalarField = Exclude<keyof HarnessConfig, GroupName>;
export type AgentField = `agent.${keyof AgentConfig & string}`;
export type WorkspaceField = `workspace.${keyof WorkspaceConfig & string}`;
export type MergeField = `merge.${keyof MergeConfig & string}`;
export type TrackerField = `tracker.${keyof TrackerConfig & string}`;
export type HooksField = `hooks.${keyof HooksConfig & string}`;
export type HostField = `host.${keyof HostConfig & string}`;
export type FleetField = `fleet.${keyof FleetConfig & string}`;
/** A dotted path to one leaf of HarnessConfig, e.g. `maxWorkers` or `agent.command`. */
export type FieldPath = ScalarField | WorkspaceField | MergeField | AgentField | TrackerField | HooksField | HostField | FleetField;

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
  store: 'storeUrl',
  maxCostUsd: 'usd',
  maxTokens: 'tokens',
  issueMaxCostUsd: 'usd',
  issueMaxTokens: 'tokens',
  onHold: 'holdMode',
  circuitBreaker: 'countOrZero',
  source: 'source',
  onBlockerFailure: 'blockerMode',
} as const satisfies Record<ScalarField, FieldKind>;

/**
 * How env vars and flags (which arrive as text) are read for group fields:
 * `count` as a number (a fraction too: host.maxLoad), `boolean` as true/false, `list` as comma-separated
 * items; anything else is passed to the schema as it is.
 */
export const TEXT_KINDS: Partial<Record<FieldPath, 'count' | 'boolean' | 'list'>> = {
  'workspace.copy': 'list',
  'workspace.keep': 'boolean',
  'merge.batchSize': 'count',
  'merge.requireCommits': 'boolean',
  'agent.resume': 'boolean',
  'tracker.limit': 'count',
  'tracker.assign': 'boolean',
  'host.maxLoad': 'count',
  'fleet.maxWorkers': 'count',
};

export const SCALAR_FIELDS = Object.keys(SCALAR_FIELD_KINDS) as ScalarField[];
export const WORKSPACE_FIELDS: readonly WorkspaceField[] = ['workspace.mode', 'workspace.setup', 'workspace.copy', 'workspace.keep'];
export const MERGE_FIELDS: readonly MergeField[] = [
  'merge.mode',
  'merge.strategy',
  'merge.verify',
  'merge.target',
  'merge.push',
  'merge.batchSize',
  'merge.requireCommits',
];
export const AGENT_FIELDS: readonly AgentField[] = [
  'agent.command',
  'agent.prompt',
  'agent.format',
  'agent.resume',
  'agent.model',
  'agent.permissionMode',
  'agent.sandbox',
  'agent.bin',
];
export const TRACKER_FIELDS: readonly TrackerField[] = ['tracker.timeoutMs', 'tracker.retryMs', 'tracker.label', 'tracker.limit', 'tracker.assign', 'tracker.bin'];
export const HOOKS_FIELDS: readonly HooksField[] = ['hooks.afterCreate', 'hooks.beforeRun', 'hooks.afterRun', 'hooks.beforeRemove', 'hooks.timeoutMs'];
export const HOST_FIELDS: readonly HostField[] = ['host.maxLoad', 'host.minFreeMemory'];
export const FLEET_FIELDS: readonly FleetField[] = ['fleet.maxWorkers', 'fleet.leaseMs'];
export const FIELD_PATHS: readonly FieldPath[] = [...SCALAR_FIELDS, ...WORKSPACE_FIELDS, ...MERGE_FIELDS, ...AGENT_FIELDS, ...TRACKER_FIELDS, ...HOOKS_FIELDS, ...HOST_FIELDS, ...FLEET_FIELDS];

/** The leaf fields of each group, as dotted paths. */
export const GROUP_FIELDS: Readonly<Record<GroupName, readonly FieldPath[]>> = {
  workspace: WORKSPACE_FIELDS,
  merge: MERGE_FIELDS,
  agent: AGENT_FIELDS,
  tracker: TRACKER_FIELDS,
  hooks: HOOKS_FIELDS,
  host: HOST_FIELDS,
  fleet: FLEET_FIELDS,
};

/**
 * Groups a config file may give as a single value, and the leaf that value
 * sets: `"workspace": "worktree"` means `{ "mode": "worktree" }`, the form
 * workspace had before it grew settings.
 */
export const GROUP_SHORTHAND: Partial<Record<GroupName, string>> = { workspace: 'mode' };

export const WORKSPACE_MODES = ['shared', 'worktree', 'worker'] as const;
export const MERGE_MODES = ['local', 'pr'] as const;
export const MERGE_STRATEGIES = ['rebase', 'merge', 'squash'] as const;

/** The "expected …" half of a problem message, per kind of value. */
export const EXPECTED = {
  count: 'a positive integer',
  duration: 'a positive duration (milliseconds, or e.g. "30s", "10m", "1h")',
  ratio: 'a positive number',
  path: 'a non-empty string',
  usd: 'null or a positive amount in USD, e.g. 25 or 0.5',
  tokens: 'null or a positive whole number of tokens',
  countOrZero: 'a whole number ≥ 0 (0 turns it off)',
  holdMode: '"wait" or "stop"',
  source: '"file", "beads" or "github"',
  blockerMode: '"fail" or "wait"',
  storeUrl: 'null or a PostgreSQL connection string (postgres://user:password@host:5432/database)',
  fleet: 'an object of fleet settings ("maxWorkers", "leaseMs")',
  fleetMaxWorkers: 'null or a positive integer',
  tracker: 'an object of tracker settings ("timeoutMs", "retryMs", "label", "limit", "assign", "bin")',
  label: 'a non-empty label name',
  format: `null or one of ${quoted(AGENT_FORMATS)}`,
  resume: 'null, true or false',
  permissionMode: `one of ${quoted(CLAUDE_PERMISSION_MODES)}`,
  sandbox: `one of ${quoted(CODEX_SANDBOXES)}`,
  bin: 'null or a path to the preset\'s binary',
  workspace: '"shared", "worktree" or "worker"',
  workspaceGroup: '"shared", "worktree" or "worker", or an object with "mode", "setup", "copy" and/or "keep"',
  hooks: 'an object of hooks ("afterCreate", "beforeRun", "afterRun", "beforeRemove", "timeoutMs")',
  merge: 'an object of merge settings ("mode", "strategy", "verify", "target", "push", "batchSize", "requireCommits")',
  mergeMode: '"local" or "pr"',
  strategy: '"rebase", "merge" or "squash"',
  optionalCommand: 'null, a non-empty array of non-empty strings, or a command line string',
  copy: 'an array of relative paths inside the project',
  boolean: 'true or false',
  name: 'null or a non-empty string',
  agent: 'an object of agent settings ("command", "prompt", "format", "resume", "model", "permissionMode", "sandbox", "bin")',
  command: 'a non-empty array of non-empty strings, or a command line string',
  commandLine: 'a command line with matching quotes',
  prompt: 'a string',
  settings: 'an object of settings',
  host: 'an object of host limits ("maxLoad", "minFreeMemory")',
  maxLoad: 'null or a positive number (the 1-minute load average, e.g. 6 or 7.5)',
  size: 'null or a positive size: bytes, or a number with a unit such as "512MB", "2GB" or "1GiB"',
} as const;

/** Duration fields inside groups (the scalar ones are in SCALAR_FIELD_KINDS). */
const GROUP_DURATIONS: ReadonlySet<string> = new Set<FieldPath>(['hooks.timeoutMs', 'tracker.timeoutMs', 'tracker.retryMs', 'fleet.leaseMs']);

export function isDurationField(path: string): boolean {
  return (SCALAR_FIELD_KINDS as Record<string, FieldKind>)[path] === 'duration' || GROUP_DURATIONS.has(path);
}

/** Fields that hold a size in bytes, shown with their human form too. */
export function isSizeField(path: string): boolean {
  return path === 'host.minFreeMemory';
}

/** `workerStallTimeoutMs` → `worker_stall_timeout_ms`; `agent.command` → `agent_command`. */
export function snakeCase(path: string): string {
  return path.replace(/\./g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** `workerStallTimeoutMs` → `worker-stall-timeout-ms`. */
export function kebabCase(path: string): string {
  return snakeCase(path).replace(/_/g, '-');
}

/** The workspace mode keeps the variable it had when `workspace` was a plain string. */
const ENV_VAR_NAMES: Partial<Record<FieldPath, string>> = { 'workspace.mode': 'HARNESS_WORKSPACE', store: 'HARNESS_STORE_URL' };

/** The environment variable that sets a field: `maxWorkers` → `HARNESS_MAX_WORKERS`. */
export function HARNESS_ENV_VAR(field: FieldPath): string {
  return ENV_VAR_NAMES[field] ?? `HARNESS_${snakeCase(field).toUpperCase()}`;
}
