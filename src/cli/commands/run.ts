import { existsSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAgentRunner, LauncherRunner } from '../../agents/launcher/runner.js';
import { resolveAgentCommand } from '../../agents/resolve-command.js';
import { removeStaleSessionFiles } from '../../agents/session-files.js';
import type { SessionRunner } from '../../agents/types.js';
import { configPathOption, flagsToOverrides } from '../../config/flags.js';
import { resolveConfig } from '../../config/load.js';
import type { HarnessConfig } from '../../config/types.js';
import { EventBus } from '../../core/events.js';
import { UsageError } from '../../errors.js';
import { realClock } from '../../runtime/clock.js';
import { isAlive } from '../../runtime/processes.js';
import { Coordinator } from '../../runtime/coordinator.js';
import { firstProblems, readIssuesFile } from '../../sources/issues-file.js';
import { stateFiles } from '../../store/layout.js';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/types.js';
import { terminalSafeLines } from '../../text/escape.js';
import { directoryProblem } from '../../text/input.js';
import type { CliIO } from '../io.js';
import { describeFailures } from '../render/log-tail.js';
import { createRunView, type RunView } from '../render/run-view.js';
import { finishedStateNote, freshState, retryFailed } from './run-state.js';

export interface RunCommandOptions extends Record<string, unknown> {
  io: CliIO;
  issues?: string;
  skipInvalid?: boolean;
  example?: boolean;
  json?: boolean;
  quiet?: boolean;
  /** Serve /metrics on this port while running. */
  metricsPort?: string;
  /** Address for the metrics server (default 127.0.0.1). */
  metricsHost?: string;
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

/** `harness run`: returns the exit code (0 all done, 1 some failed, 130 interrupted). */
export async function runCommand(options: RunCommandOptions): Promise<number> {
  const { io } = options;
  const flags = { ...(options.example ? exampleOverrides() : {}), ...flagsToOverrides(options) };
  const { config: resolved } = await resolveConfig({ cwd: io.cwd, configPath: configPathOption(options), env: io.env, flags });
  const issuesPath = options.issues ?? (options.example ? join(PACKAGE_ROOT, 'examples', 'issues.jsonl') : undefined);
  if (!issuesPath) {
    throw new UsageError('no issues to work on: pass --issues <file> (JSON Lines or a JSON array of {id, title, body?}), or --example for the bundled example');
  }
  const human = options.json ? io.stderr : io.stdout;
  const parsed = readIssuesFile(resolve(io.cwd, issuesPath), { skipInvalid: Boolean(options.skipInvalid) });
  if (parsed.problems.length > 0) {
    human.write(terminalSafeLines(`skipped ${parsed.problems.length} invalid record(s) of ${issuesPath}:\n${firstProblems(parsed.problems).map((p) => `  - ${p}`).join('\n')}`) + '\n');
  }
  // Resolved once, from where harness was started: sessions may run elsewhere (worktrees).
  const config: HarnessConfig = { ...resolved, agent: { ...resolved.agent, command: resolveAgentCommand(resolved.agent.command, io) } };

  const statePath = resolve(io.cwd, config.state);
  const stateIsDirectory = directoryProblem(statePath, config.state, { what: 'state database', fix: `pass --state <file>, e.g. --state ${join(config.state, 'state.db')}` });
  if (stateIsDirectory) throw new UsageError(stateIsDirectory);
  const harnessDir = dirname(statePath);
  const files = stateFiles(statePath);
  if (options.fresh) human.write(freshState(statePath, config.state));
  const store = openStore(statePath);
  ignoreInGit(harnessDir);
  let offSignal = () => {};
  let metricsServer: { close(): Promise<void> } | null = null;
  let runner: SessionRunner | null = null;
  let coordinator: Coordinator | null = null;
  let view: RunView | null = null;
  try {
    const events = new EventBus();
    const worktreeRun = await setUpWorktrees(config, { cwd: io.cwd, env: io.env, harnessDir, logDir: files.logs, store, events, issueIds: parsed.issues.map((i) => i.id) });
    runner = createAgentRunner({
      command: worktreeRun?.agentCommand ?? config.agent.command,
      promptTemplate: config.agent.prompt,
      clock: realClock,
      killGraceMs: config.killGraceMs,
      logMaxBytes: config.logMaxBytes,
      heartbeatDir: files.sessions,
      env: io.env,
      // Events that arrive together (a session ending, the next one's pid) are committed together;
      // the coordinator turns a store failure there into the end of the run.
      deliver: (events) => (coordinator ? coordinator.batch(events) : store.batch(events)),
    });
    if (!(runner instanceof LauncherRunner) && !options.quiet) {
      human.write('note: the session launcher is not built or does not run here (a C compiler and `npm run build` make it); agents start from the harness process, which costs more per session\n');
    }
    coordinator = new Coordinator(
      {
        issues: parsed.issues,
        store,
        runner,
        workspaces: worktreeRun?.workspaces ?? null,
        merge: worktreeRun?.merge ?? null,
        settings: {
          maxAttempts: config.maxAttempts,
          sessionTimeoutMs: config.sessionTimeoutMs,
          retryDelayMs: config.retryDelayMs,
          logDir: files.logs,
        },
      },
      // The run view shows the table itself (refreshed on a terminal, every few sessions in a pipe).
      { cwd: io.cwd, scaleConfig: config, events, displayMetrics: false, forceUnlock: Boolean(options.forceUnlock) },
    );
    const running = coordinator;
    // Bound before the run starts: a port in use then stops it before any agent is spawned.
    if (options.metricsHost !== undefined && options.metricsPort === undefined) throw new UsageError('--metrics-host needs --metrics-port <port>');
    if (options.metricsPort !== undefined) {
      const [{ serveStoreMetrics }, { exposureWarning }] = await Promise.all([import('../../metrics/serve-store.js'), import('../../metrics/server.js')]);
      const host = options.metricsHost !== undefined ? { host: options.metricsHost } : {};
      const exposed = options.metricsHost !== undefined ? exposureWarning(options.metricsHost) : null;
      if (exposed) human.write(`${exposed}\n`);
      const server = await serveStoreMetrics({ statePath, port: options.metricsPort, ...host, now: realClock.now });
      metricsServer = server;
      human.write(`metrics: serving ${server.url}\n`);
    }
    let counts = store.countIssues();
    view = createRunView(coordinator.events, {
      out: human,
      env: io.env,
      quiet: Boolean(options.quiet),
      cwd: io.cwd,
      sessionLog: (sessionId) => store.getSession(sessionId)?.logPath ?? null,
      metrics: () => running.scaleManager.getMetrics(),
      status: () => {
        try {
          counts = store.countIssues();
        } catch {
          // A store that failed may not answer reads either; the run is ending with its message.
        }
        const c = counts;
        return { queued: c.queued, running: c.running, merging: c.merging, done: c.done, failed: c.failed, backlog: c.backlog };
      },
    });
    const shown = view;
    offSignal = io.onSignal((signal) => {
      if (signal === 'SIGHUP') shown.detach();
      running.stop();
    });
    await coordinator.initialize();
    // The run lock is held and crash recovery is done: what dead harnesses left in sessions/ can go.
    removeStaleSessionFiles(files.sessions, isAlive);
    if (options.retryFailed) view.note(retryFailed(store, config.maxAttempts, realClock.now()));
    const finished = finishedStateNote(store.countIssues(), config.state);
    if (finished) view.note(finished);
    const ran = await coordinator.run();
    // Where each failure is: its latest log and that log's last lines.
    const summary = { ...ran, failures: describeFailures(ran.failures, (id) => store.sessionsForIssue(id)) };
    view.finish(summary);
    if (options.json) io.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    return summary.exitCode;
  } catch (error) {
    // A run that ends in an error (its store failed, say) leaves the terminal to the error's one line.
    view?.detach();
    throw error;
  } finally {
    offSignal();
    await runner?.close?.();
    await metricsServer?.close();
    store.close();
  }
}

/**
 * Worktree mode: issue worktrees, their bootstrap and the merge queue,
 * checked before anything starts. In shared mode, refuse a store whose
 * issues wait for a merge queue that this run would not have.
 */
async function setUpWorktrees(
  config: HarnessConfig,
  context: { cwd: string; env: NodeJS.ProcessEnv; harnessDir: string; logDir: string; store: Store; events: EventBus; issueIds: string[] },
) {
  if (config.workspace.mode !== 'worktree') {
    const merging = context.store.countIssues().merging;
    if (merging > 0) {
      throw new UsageError(`${merging} issue(s) in this state file are waiting to merge from a worktree run: run with --worktrees to land them`);
    }
    return null;
  }
  const { setUpWorktreeRun } = await import('../../merge/worktree-run.js');
  return setUpWorktreeRun({ repoDir: context.cwd, harnessDir: context.harnessDir, logDir: context.logDir, config, store: context.store, events: context.events, clock: realClock, env: context.env, issueIds: context.issueIds });
}

/**
 * Keep harness's own directory (state, logs, worktrees) out of the user's
 * `git status`. Only a directory named `.harness` is touched: a state file
 * placed elsewhere may share a directory with the user's files.
 */
function ignoreInGit(harnessDir: string): void {
  const file = join(harnessDir, '.gitignore');
  if (basename(harnessDir) !== '.harness' || existsSync(file)) return;
  try {
    writeFileSync(file, '*\n');
  } catch {
    // Cosmetic only.
  }
}
