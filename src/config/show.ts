/**
 * Rendering a resolved configuration for `harness config show`: pure
 * functions from ResolvedConfig to text, so the listing is testable as is.
 */
import { agentInvocation } from '../agents/invocation.js';
import { maskUrl } from '../store/postgres/url.js';
import { terminalSafe } from '../text/escape.js';
import { formatDuration } from './duration.js';
import { displayPath } from './discover.js';
import { formatBytes } from '../core/host.js';
import { FIELD_PATHS, isDurationField, isSizeField, type FieldPath } from './fields.js';
import type { ConfigSource, HarnessConfig, ResolvedConfig } from './types.js';

/** `default`, `harness.config.json`, `env HARNESS_MAX_WORKERS`, `flag --max-workers`. */
export function describeSource(source: ConfigSource, cwd: string): string {
  switch (source.kind) {
    case 'default':
      return 'default';
    case 'file':
      return displayPath(source.path, cwd);
    case 'env':
      return `env ${source.variable}`;
    case 'flag':
      return `flag ${source.flag}`;
  }
}

const MAX_VALUE_WIDTH = 60;

/** One field's value for display; durations and sizes also in human form, e.g. `600000 (10m)`, `2000000000 (2 GB)`. */
export function describeValue(path: FieldPath, config: Readonly<HarnessConfig>): string {
  if (path === 'agent.prompt') return describePrompt(config.agent.prompt);
  // A connection string's password never reaches the screen.
  if (path === 'store' && config.store !== null) return maskUrl(config.store);
  const value = valueAt(config, path);
  if (typeof value === 'number' && isDurationField(path)) return `${value} (${formatDuration(value)})`;
  if (typeof value === 'number' && isSizeField(path)) return `${value} (${formatBytes(value)})`;
  // Commands and lists as JSON, so an argv's word boundaries are visible.
  if (Array.isArray(value)) return JSON.stringify(value);
  if (value === null && path in NULL_MEANS) return `null (${NULL_MEANS[path as keyof typeof NULL_MEANS]})`;
  return String(value);
}

/** What an unset (null) field means, shown beside it. */
const NULL_MEANS = {
  'workspace.setup': 'none',
  'merge.verify': 'land without verifying',
  'merge.target': 'the branch checked out at start',
  'merge.push': 'no push',
  maxCostUsd: 'no cap',
  maxTokens: 'no cap',
  issueMaxCostUsd: 'no cap',
  issueMaxTokens: 'no cap',
  'agent.format': "the preset's, or text for a command line",
  'agent.resume': 'on for presets that can resume',
  'agent.model': "the agent's own choice",
  'agent.bin': "the preset's name on PATH",
  'tracker.bin': '`bd` or `gh` on PATH',
  store: 'the SQLite file at state',
  'fleet.maxWorkers': 'no fleet-wide cap',
  'hooks.afterCreate': 'none',
  'hooks.beforeRun': 'none',
  'hooks.afterRun': 'none',
  'hooks.beforeRemove': 'none',
  'host.maxLoad': 'no limit',
  'host.minFreeMemory': 'no limit',
} as const;

function valueAt(config: Readonly<HarnessConfig>, path: FieldPath): unknown {
  const [head, leaf] = path.split('.') as [keyof HarnessConfig, string | undefined];
  const value = config[head];
  return leaf === undefined ? value : (value as unknown as Record<string, unknown>)[leaf];
}

/** The prompt is a multi-line template: show its start and how long it is. */
function describePrompt(prompt: string): string {
  const lineCount = prompt.split('\n').length;
  const quoted = JSON.stringify(prompt);
  const shown = quoted.length > MAX_VALUE_WIDTH ? `${quoted.slice(0, MAX_VALUE_WIDTH - 1)}…` : quoted;
  return lineCount > 1 ? `${shown} (${lineCount} lines)` : shown;
}

/** The aligned `field  value  source` listing, headed by the file in use. */
export function renderConfigListing(resolved: ResolvedConfig, cwd: string): string {
  const rows = FIELD_PATHS.map((path) => [
    path,
    // Values come from files and the environment: escaped, one line each.
    terminalSafe(describeValue(path, resolved.config)),
    terminalSafe(describeSource(resolved.sources[path] ?? { kind: 'default' }, cwd)),
  ]);
  const table = [['field', 'value', 'source'], ...rows];
  const widths = [0, 1].map((column) => Math.max(...table.map((row) => (row[column] ?? '').length)));
  const lines = table.map(([field = '', value = '', source = '']) =>
    `${field.padEnd(widths[0] ?? 0)}  ${value.padEnd(widths[1] ?? 0)}  ${source}`,
  );
  const file = resolved.file ? terminalSafe(displayPath(resolved.file, cwd)) : 'none (defaults, env and flags only)';
  return [`config file: ${file}`, '', ...lines, '', terminalSafe(describeAgent(resolved.config))].join('\n') + '\n';
}

/**
 * What sessions will run, in one line: the preset and its argv (before a
 * resume id or a budget is added to it), the format read, and whether
 * retries resume. In worktree mode codex also gets its repository's git
 * directory as writable; that is found when the run starts.
 */
export function describeAgent(config: Readonly<HarnessConfig>): string {
  const invocation = agentInvocation(config.agent);
  const how = invocation.preset ? `the ${invocation.preset.name} preset` : 'a command line';
  const argv = invocation.baseArgv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(' ');
  const later = invocation.preset?.name === 'codex' ? ' (+ --add-dir <git directory>, or --skip-git-repo-check outside a repository, when the run starts)' : '';
  return `agent: ${how}, read as ${invocation.format}, ${invocation.resume ? 'retries resume its conversation' : 'retries start over'}: ${argv}${later}`;
}

/** The JSON form: `{ config, sources, file, agent }`, paths as resolved (absolute); `agent` is what sessions run (see describeAgent). */
export function renderConfigJson(resolved: ResolvedConfig): string {
  const invocation = agentInvocation(resolved.config.agent);
  const agent = { preset: invocation.preset?.name ?? null, format: invocation.format, resume: invocation.resume, argv: invocation.baseArgv };
  // The store's password is not for the screen, in JSON either.
  const config = resolved.config.store === null ? resolved.config : { ...resolved.config, store: maskUrl(resolved.config.store) };
  return `${JSON.stringify({ ...resolved, config, agent }, null, 2)}\n`;
}
