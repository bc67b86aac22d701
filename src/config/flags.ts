/**
 * The scale/run flags shared by `run`, `load-test` and `config show`: one
 * table, registered on each command by addConfigFlags. Flags are the last
 * config layer; values stay as text here and are validated with the rest.
 */
import { Option, type Command } from 'commander';
import { formatDuration } from './duration.js';
import { kebabCase, type FieldPath } from './fields.js';
import { DEFAULT_CONFIG } from './types.js';

export interface ConfigFlag {
  /** Commander's flag spec, e.g. `--max-workers <n>`. */
  spec: string;
  field: FieldPath;
  description: string;
  /**
   * Why `harness load-test` refuses this flag, for the flags that only mean
   * something to `harness run` (the load test brings its own agent and store).
   */
  runOnly?: string;
}

const d = DEFAULT_CONFIG;
const ms = formatDuration;
/** Why the load test refuses the spending and hold flags. */
const NO_SPEND = "the load test's simulated agent reports no cost, tokens or errors of its own";
/** Why the load test refuses the host flags. */
const NO_HOST = "the load test's simulated agents load no machine, so it never reads the host's load or memory";
/** Why the load test refuses the source flags. */
const NO_TRACKER = 'the load test generates its own issues (a scenario declares chains of dependencies)';

// Descriptions fit an 80-column help screen without wrapping.
export const CONFIG_FLAGS: readonly ConfigFlag[] = [
  { spec: '--min-workers <n>', field: 'minWorkers', description: `smallest pool size (default ${d.minWorkers})` },
  { spec: '--max-workers <n>', field: 'maxWorkers', description: `largest pool size (default ${d.maxWorkers})` },
  { spec: '--target-queue-depth <n>', field: 'targetQueueDepth', description: `backpressure low-water mark (default ${d.targetQueueDepth})` },
  { spec: '--max-queue-depth <n>', field: 'maxQueueDepth', description: `backpressure high-water mark (default ${d.maxQueueDepth})` },
  { spec: '--stall-timeout <duration>', field: 'workerStallTimeoutMs', description: `no-progress time before a stall (default ${ms(d.workerStallTimeoutMs)})` },
  { spec: '--health-interval <duration>', field: 'healthCheckIntervalMs', description: `time between health checks (default ${ms(d.healthCheckIntervalMs)})` },
  { spec: '--scale-up-threshold <ratio>', field: 'scaleUpThreshold', description: `scale up above queue/workers (default ${d.scaleUpThreshold})` },
  { spec: '--scale-down-threshold <ratio>', field: 'scaleDownThreshold', description: `scale down below queue/workers (default ${d.scaleDownThreshold})` },
  { spec: '--cooldown <duration>', field: 'scaleCooldownMs', description: `time between scale operations (default ${ms(d.scaleCooldownMs)})` },
  { spec: '--max-sessions-per-worker <n>', field: 'maxSessionsPerWorker', description: `sessions before recycling (default ${d.maxSessionsPerWorker})` },
  { spec: '--max-attempts <n>', field: 'maxAttempts', description: `attempts per issue (default ${d.maxAttempts})` },
  { spec: '--session-timeout <duration>', field: 'sessionTimeoutMs', description: `kill sessions running longer (default ${ms(d.sessionTimeoutMs)})` },
  { spec: '--kill-grace <duration>', field: 'killGraceMs', description: `SIGTERM to SIGKILL delay (default ${ms(d.killGraceMs)})` },
  { spec: '--retry-delay <duration>', field: 'retryDelayMs', description: `first retry delay, doubling (default ${ms(d.retryDelayMs)})` },
  { spec: '--log-max-bytes <n>', field: 'logMaxBytes', description: `session log size cap (default ${d.logMaxBytes})` },
  {
    spec: '--state <path>',
    field: 'state',
    description: `state database (default ${d.state})`,
    runOnly: 'the load test keeps its state in memory, or in a temporary file in process mode',
  },
  {
    spec: '--store <url>',
    field: 'store',
    description: "PostgreSQL store of a fleet (default: the SQLite state)",
    runOnly: 'the load test keeps its state in memory, or in a temporary file in process mode',
  },
  { spec: '--fleet-max-workers <n>', field: 'fleet.maxWorkers', description: 'agents across the fleet at most (default: no cap)', runOnly: 'the load test runs one coordinator' },
  { spec: '--fleet-lease <duration>', field: 'fleet.leaseMs', description: `silence that marks a coordinator dead (default ${ms(d.fleet.leaseMs)})`, runOnly: 'the load test runs one coordinator' },
  {
    spec: '--worktrees',
    field: 'workspace.mode',
    description: 'one git worktree per issue (default: shared)',
    runOnly: 'the load test runs no git worktrees',
  },
  {
    spec: '--agent <preset|command line>',
    field: 'agent.command',
    description: `preset or command line, no shell (default ${d.agent.command.join(' ')})`,
    runOnly: 'the load test runs its own simulated agent',
  },
  {
    spec: '--agent-format <format>',
    field: 'agent.format',
    description: 'stdout format of a command line (default text)',
    runOnly: 'the load test runs its own simulated agent',
  },
  { spec: '--model <name>', field: 'agent.model', description: "model a preset asks for (default: the agent's)", runOnly: 'the load test runs its own simulated agent' },
  { spec: '--max-cost-usd <usd>', field: 'maxCostUsd', description: 'stop dispatching at this spend (default: none)', runOnly: NO_SPEND },
  { spec: '--max-tokens <n>', field: 'maxTokens', description: 'the same in tokens, in + out (default: none)', runOnly: NO_SPEND },
  { spec: '--issue-max-cost-usd <usd>', field: 'issueMaxCostUsd', description: 'an issue fails at this spend (default: none)', runOnly: NO_SPEND },
  { spec: '--issue-max-tokens <n>', field: 'issueMaxTokens', description: 'the same in tokens (default: none)', runOnly: NO_SPEND },
  { spec: '--on-hold <wait|stop>', field: 'onHold', description: `wait out a usage limit or stop (default ${d.onHold})`, runOnly: NO_SPEND },
  { spec: '--source <kind>', field: 'source', description: `file, beads or github (default ${d.source})`, runOnly: NO_TRACKER },
  { spec: '--on-blocker-failure <mode>', field: 'onBlockerFailure', description: `fail or wait after a blocker failed (default ${d.onBlockerFailure})` },
  { spec: '--tracker-label <label>', field: 'tracker.label', description: `GitHub: the backlog's label (default ${d.tracker.label})`, runOnly: NO_TRACKER },
  { spec: '--tracker-assign', field: 'tracker.assign', description: 'GitHub: assign claims to @me (default off)', runOnly: NO_TRACKER },
  { spec: '--tracker-timeout <duration>', field: 'tracker.timeoutMs', description: `tracker call time limit (default ${ms(d.tracker.timeoutMs)})`, runOnly: NO_TRACKER },
  { spec: '--host-max-load <n>', field: 'host.maxLoad', description: 'no growth over this 1-min load (default: none)', runOnly: NO_HOST },
  { spec: '--host-min-free-memory <size>', field: 'host.minFreeMemory', description: 'no growth under this free RAM (default: none)', runOnly: NO_HOST },
  { spec: '--circuit-breaker <K>', field: 'circuitBreaker', description: `hold after K like failures, 0 off (default ${d.circuitBreaker})`, runOnly: NO_SPEND },
];

export const CONFIG_PATH_FLAG = { spec: '--config <path>', description: 'config file (default: search up from cwd)' };

/** `--max-workers <n>` → `--max-workers`. */
function longName(spec: string): string {
  return spec.split(' ')[0] as string;
}

/** Commander's option key: `--max-workers` → `maxWorkers`. */
function optionKey(spec: string): string {
  return longName(spec)
    .slice(2)
    .replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** The flag that sets `field`, as shown in sources and problems (`--max-workers`). */
export function flagFor(field: FieldPath): string {
  const flag = CONFIG_FLAGS.find((entry) => entry.field === field);
  return flag ? longName(flag.spec) : `--${kebabCase(field)}`;
}

/**
 * Registers the shared flags (and --config) on `command`. No commander
 * defaults are set: an absent flag must leave the file and env values alone.
 * With `refuseRunOnly`, the flags only `harness run` takes are left out of the
 * help and kept only so that runOnlyFlagProblems can say why they do not apply.
 */
export function addConfigFlags(command: Command, options: { refuseRunOnly?: boolean } = {}): Command {
  for (const flag of CONFIG_FLAGS) {
    if (flag.runOnly && options.refuseRunOnly) command.addOption(new Option(flag.spec, flag.description).hideHelp());
    else command.option(flag.spec, flag.description);
  }
  command.option(CONFIG_PATH_FLAG.spec, CONFIG_PATH_FLAG.description);
  return command;
}

/** One line per flag given that only `harness run` takes, saying why (see addConfigFlags' refuseRunOnly). */
export function runOnlyFlagProblems(opts: Readonly<Record<string, unknown>>): string[] {
  return CONFIG_FLAGS.filter((flag) => flag.runOnly && opts[optionKey(flag.spec)] !== undefined).map(
    (flag) => `${longName(flag.spec)} is a flag of \`harness run\`: ${flag.runOnly}; drop it`,
  );
}

export type ConfigOverrides = Partial<Record<FieldPath, unknown>>;

/** Commander's parsed options → the `flags` layer of resolveConfig, keyed by field path. */
export function flagsToOverrides(opts: Readonly<Record<string, unknown>>): ConfigOverrides {
  const overrides: ConfigOverrides = {};
  for (const flag of CONFIG_FLAGS) {
    const value = opts[optionKey(flag.spec)];
    if (value === undefined) continue;
    if (flag.field === 'workspace.mode') {
      if (value === true) overrides['workspace.mode'] = 'worktree';
    } else {
      overrides[flag.field] = value;
    }
  }
  return overrides;
}

/**
 * The field a config key means when it is spelt like one of the flags
 * (`stallTimeout`, `stall-timeout`, `--cooldown`), or undefined. Flags are
 * short; fields carry their unit (`workerStallTimeoutMs`), so the flag's
 * name is an easy slip in a config file.
 */
export function fieldForFlagName(key: string): FieldPath | undefined {
  const wanted = key.replace(/^-+/, '').replace(/[-_]([a-z])/gi, (_, letter: string) => letter.toUpperCase()).toLowerCase();
  const flag = CONFIG_FLAGS.find((entry) => optionKey(entry.spec).toLowerCase() === wanted && entry.field.toLowerCase() !== wanted);
  return flag?.field;
}

/** The --config path from commander's parsed options, if given. */
export function configPathOption(opts: Readonly<Record<string, unknown>>): string | undefined {
  return typeof opts.config === 'string' ? opts.config : undefined;
}
