import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareRun } from '../../app/run.js';
import { configPathOption, flagsToOverrides } from '../../config/flags.js';
import { parseDuration } from '../../config/duration.js';
import { resolveConfig } from '../../config/load.js';
import { UsageError } from '../../errors.js';
import type { CliIO } from '../io.js';
import { describeFailures } from '../render/log-tail.js';
import { createRunView, type RunView } from '../render/run-view.js';

export interface RunCommandOptions extends Record<string, unknown> {
  io: CliIO;
  issues?: string;
  /** --watch: true (the default interval) or the interval as given. */
  watch?: boolean | string;
  skipInvalid?: boolean;
  example?: boolean;
  json?: boolean;
  quiet?: boolean;
  /** Serve /metrics on this port while running. */
  metricsPort?: string;
  /** Address for the metrics server (default 127.0.0.1). */
  metricsHost?: string;
  /** Serve the live dashboard on this port while running, bound to dashboardHost, with actions when dashboardActions. */
  dashboardPort?: string;
  dashboardHost?: string;
  dashboardActions?: boolean;
  /** Take the run lock whoever holds it. */
  forceUnlock?: boolean;
  /** Put every failed issue back in the queue with a fresh budget of attempts. */
  retryFailed?: boolean;
  /** Move the state (and its logs) aside to a timestamped name and start a new one. */
  fresh?: boolean;
}

const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * `--example`: the bundled backlog and example agent, with timings short
 * enough that a stall, a retry and scaling all happen within a minute.
 * Explicit flags still win.
 */
function exampleOverrides(): Record<string, unknown> {
  return {
    'agent.command': [process.execPath, join(PACKAGE_ROOT, 'examples', 'agent.mjs')],
    minWorkers: 2,
    maxWorkers: 8,
    workerStallTimeoutMs: '3s',
    healthCheckIntervalMs: '500ms',
    scaleCooldownMs: '2s',
    retryDelayMs: '500ms',
    killGraceMs: '1s',
    state: '.harness/example.db',
  };
}

/** How often --watch lists the source when no interval is given. */
export const DEFAULT_WATCH_MS = 30_000;

/** `--watch` alone, or `--watch 10s`: at least a second, at most a day. */
function watchInterval(value: boolean | string): number {
  if (value === true) return DEFAULT_WATCH_MS;
  let ms: number;
  try {
    ms = parseDuration(String(value));
  } catch {
    ms = NaN;
  }
  if (!(ms >= 1000 && ms <= 86_400_000)) throw new UsageError(`--watch: expected an interval from 1s to 24h (e.g. 30s, 5m), received ${JSON.stringify(String(value))}`);
  return ms;
}

/** `harness run`: returns the exit code (0 all done, 1 some failed, 3 held with work left, 130 interrupted). */
export async function runCommand(options: RunCommandOptions): Promise<number> {
  const { io } = options;
  const flags = { ...(options.example ? exampleOverrides() : {}), ...flagsToOverrides(options) };
  const { config } = await resolveConfig({ cwd: io.cwd, configPath: configPathOption(options), env: io.env, flags });
  const issuesPath = options.issues ?? (options.example ? join(PACKAGE_ROOT, 'examples', 'issues.jsonl') : undefined);
  // A fleet's coordinator may join with no file of its own: it works on the backlog the others added.
  if (!issuesPath && config.source === 'file' && config.store === null) {
    throw new UsageError('no issues to work on: pass --issues <file> (JSON Lines or a JSON array of {id, title, body?}), --source beads|github, or --example for the bundled example');
  }
  const watchMs = options.watch === undefined ? undefined : watchInterval(options.watch);
  if (options.dashboardPort === undefined && (options.dashboardHost !== undefined || options.dashboardActions)) {
    throw new UsageError(`${options.dashboardHost !== undefined ? '--dashboard-host' : '--dashboard-actions'} needs --dashboard-port <port>`);
  }
  const human = options.json ? io.stderr : io.stdout;
  const run = await prepareRun(
    {
      config,
      ...(issuesPath ? { issues: { path: resolve(io.cwd, issuesPath), shown: issuesPath, skipInvalid: Boolean(options.skipInvalid) } } : {}),
      ...(watchMs !== undefined ? { watchMs } : {}),
      fresh: Boolean(options.fresh),
      retryFailed: Boolean(options.retryFailed),
      forceUnlock: Boolean(options.forceUnlock),
      quiet: Boolean(options.quiet),
      ...(options.metricsPort !== undefined ? { metricsPort: options.metricsPort } : {}),
      ...(options.metricsHost !== undefined ? { metricsHost: options.metricsHost } : {}),
      ...(options.dashboardPort !== undefined ? { dashboard: { port: options.dashboardPort, host: options.dashboardHost, actions: Boolean(options.dashboardActions) } } : {}),
    },
    { cwd: io.cwd, env: io.env, say: (text) => human.write(text) },
  );
  let offSignal = () => {};
  let view: RunView | null = null;
  try {
    view = createRunView(run.events, {
      out: human,
      env: io.env,
      quiet: Boolean(options.quiet),
      cwd: io.cwd,
      sessionLog: run.sessionLog,
      metrics: run.metrics,
      fleet: run.fleet,
      status: run.status,
    });
    const shown = view;
    offSignal = io.onSignal((signal) => {
      if (signal === 'SIGHUP') shown.detach();
      run.stop();
    });
    const ran = await run.run((line) => shown.note(line));
    // Where each failure is: its latest log and that log's last lines.
    const summary = { ...ran, failures: describeFailures(ran.failures, (id) => run.sessionsForIssue(id)) };
    view.finish(summary);
    if (options.json) io.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    return summary.exitCode;
  } catch (error) {
    // A run that ends in an error (its store failed, say) leaves the terminal to the error's one line.
    view?.detach();
    throw error;
  } finally {
    offSignal();
    await run.close();
  }
}
