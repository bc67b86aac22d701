/**
 * The composition root of `harness run`: the store, the session runner, the
 * worktrees and merge queue, the coordinator and the metrics server, put
 * together from a resolved config. The CLI parses flags, calls prepareRun,
 * draws the run's events and prints the summary; everything a run is made
 * of is wired here, once.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { removeStaleSessionFiles } from '../agents/session-files.js';
import type { SessionRunner } from '../agents/types.js';
import { DEFAULT_CONFIG, type HarnessConfig } from '../config/types.js';
import { EventBus } from '../core/events.js';
import type { ScaleMetrics } from '../core/metrics-types.js';
import type { IssueStatus } from '../core/states.js';
import { UsageError } from '../errors.js';
import { realClock } from '../runtime/clock.js';
import { Coordinator } from '../runtime/coordinator.js';
import type { FleetStatus, RunSummary } from '../runtime/coordinator-types.js';
import { isAlive } from '../runtime/processes.js';
import { checkBlockers } from '../runtime/intake.js';
import { firstProblems, readIssuesFile } from '../sources/issues-file.js';
import { stateFiles } from '../store/layout.js';
import { openStore } from '../store/open.js';
import type { SqliteStore } from '../store/sqlite/index.js';
import type { SessionRow, Store } from '../store/types.js';
import { terminalSafeLines } from '../text/escape.js';
import { directoryProblem } from '../text/input.js';
import { prepareAgent, sessionRunner } from './agent.js';
import { createIntake, createSource } from './intake.js';
import { finishedStateNote, freshState, retryFailed } from './run-state.js';
import { runSettings } from './settings.js';

export interface RunOptions {
  /** The resolved config; its agent command is resolved here, once, from `cwd`. */
  config: HarnessConfig;
  /** The issues file (source `file`): its absolute path, and the path as the user gave it (for messages). */
  issues?: { path: string; shown: string; skipInvalid: boolean };
  /** Keep listing the source this often (ms) and run until interrupted (--watch); absent: work through what is there and end. */
  watchMs?: number;
  /** Move the state (and its logs) aside to a timestamped name and start a new one. */
  fresh?: boolean;
  /** Put every failed issue back in the queue with a fresh budget of attempts. */
  retryFailed?: boolean;
  /** Take the run lock whoever holds it. */
  forceUnlock?: boolean;
  /** No advice about how the run could be faster (the launcher note). */
  quiet?: boolean;
  /** Serve /metrics on this port (0: any free one) while running, bound to `host` (default 127.0.0.1). */
  metricsPort?: string;
  metricsHost?: string;
  /** Serve the live dashboard from this run (port as given; 0: any free one), bound to `host` (default 127.0.0.1), with actions when asked. */
  dashboard?: { port: string; host?: string | undefined; actions: boolean };
}

/** What a run may touch of the process that starts it. */
export interface RunIO {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Text for the user before the run starts (skipped records, --fresh, the metrics address); each ends in a newline. */
  say(text: string): void;
}

/** A run put together and not yet started: its parts, to watch, and how to start, stop and close it. */
export interface PreparedRun {
  readonly coordinator: Coordinator;
  readonly events: EventBus;
  /** The seed's metric set of this run, now. */
  metrics(): ScaleMetrics;
  /** Holds on now, what the state has spent, the concurrency rate limits allow. */
  fleet(): FleetStatus;
  /** Issues by status; the last counts read when the store no longer answers (the run is ending with its failure). */
  status(): Record<IssueStatus, number>;
  /** A session's log file, or that it has none (its agent printed nothing); null for a session without a log path. */
  sessionLog(sessionId: string): { file: string } | { noOutput: true } | null;
  /** An issue's sessions, oldest first, for the summary's failures (a fleet's run answers for the failures it describes, once it has ended). */
  sessionsForIssue(issueId: string): SessionRow[];
  /**
   * Claim the store, recover what a dead harness left, import the backlog
   * and work through it; `note` gets the lines to show meanwhile
   * (--retry-failed, a state with nothing left to do).
   */
  run(note: (line: string) => void): Promise<RunSummary>;
  /** Stop starting sessions; a second call cancels the running ones. */
  stop(): void;
  /** Stop the launchers and the metrics server and close the store. Call it once, however the run ended. */
  close(): Promise<void>;
}

/** Read the backlog, open the state and wire the run; nothing is spawned until run(). */
export async function prepareRun(options: RunOptions, io: RunIO): Promise<PreparedRun> {
  const config: HarnessConfig = options.config;
  // A fleet's shared store: its own composition root, loaded (with pg) only then.
  if (config.store !== null) return (await import('./fleet-run.js')).prepareFleetRun(options, io);
  if (config.fleet.maxWorkers !== null || config.fleet.leaseMs !== DEFAULT_CONFIG.fleet.leaseMs) {
    io.say('note: fleet.maxWorkers and fleet.leaseMs (--fleet-max-workers, --fleet-lease) apply to a fleet sharing a PostgreSQL store (--store); this run has its own state, and they do nothing here\n');
  }
  if (config.source !== 'file' && options.issues) throw new UsageError(`--issues is for --source file; with --source ${config.source} the issues come from the tracker: drop --issues`);
  const parsed = config.source === 'file' && options.issues ? readIssuesFile(options.issues.path, { skipInvalid: options.issues.skipInvalid }) : null;
  if (parsed && options.issues && parsed.problems.length > 0) {
    io.say(terminalSafeLines(`skipped ${parsed.problems.length} invalid record(s) of ${options.issues.shown}:\n${firstProblems(parsed.problems).map((p) => `  - ${p}`).join('\n')}`) + '\n');
  }
  // Before anything is opened: an agent that cannot run here fails once, with what to fix, not once per issue.
  const agent = await prepareAgent(config, { cwd: io.cwd, env: io.env, workDir: io.cwd });

  const statePath = resolve(io.cwd, config.state);
  const stateIsDirectory = directoryProblem(statePath, config.state, { what: 'state database', fix: `pass --state <file>, e.g. --state ${join(config.state, 'state.db')}` });
  if (stateIsDirectory) throw new UsageError(stateIsDirectory);
  const harnessDir = dirname(statePath);
  const files = stateFiles(statePath);
  const source = createSource(config, {
    cwd: io.cwd,
    env: io.env,
    clock: realClock,
    logDir: files.logs,
    file: parsed && options.issues ? { path: options.issues.path, shown: options.issues.shown, listing: parsed } : null,
  });
  if (options.fresh) io.say(freshState(statePath, config.state));
  const store = openStore(statePath);
  ignoreInGit(harnessDir);
  let metricsServer: { close(): Promise<void> } | null = null;
  let dashboard: { close(): Promise<void> } | null = null;
  let runner: SessionRunner | null = null;
  const close = async (): Promise<void> => {
    await runner?.close?.();
    await metricsServer?.close();
    await dashboard?.close();
    store.close();
  };
  try {
    if (parsed) checkBlockers(parsed.issues, { shown: source.shown, tracked: false, known: (id) => store.getIssue(id) !== undefined });
    const events = new EventBus();
    const intake = createIntake(config, { source, store, events, clock: realClock, watchMs: options.watchMs ?? null, say: (line) => io.say(terminalSafeLines(line) + '\n') });
    const hooks = await lifecycleHooks(config, { env: io.env, logDir: files.logs, events });
    const worktreeRun = await setUpWorktrees(config, { cwd: io.cwd, env: io.env, harnessDir, logDir: files.logs, store, events, issueIds: parsed?.issues.map((i) => i.id) ?? [], hooks });
    let coordinator: Coordinator | null = null;
    const sessions = sessionRunner(config, agent, {
      heartbeatDir: files.sessions,
      env: io.env,
      quiet: Boolean(options.quiet),
      say: (text) => io.say(text),
      // Events that arrive together (a session ending, the next one's pid) are committed together;
      // the coordinator turns a store failure there into the end of the run.
      deliver: (events) => (coordinator ? coordinator.batch(events) : store.batch(events)),
    });
    runner = sessions;
    coordinator = new Coordinator(
      {
        issues: intake.initial,
        store,
        runner: sessions,
        workspaces: worktreeRun?.provider ?? null,
        hooks: hooks?.forSessions() ?? null,
        merge: worktreeRun?.merge ?? null,
        settings: { ...runSettings(config, agent.invocation), logDir: files.logs },
      },
      // The CLI's view shows the table itself (refreshed on a terminal, every few sessions in a pipe).
      { cwd: io.cwd, scaleConfig: config, events, displayMetrics: false, forceUnlock: Boolean(options.forceUnlock) },
    );
    const running = coordinator;
    // Bound before the run starts: a port in use then stops it before any agent is spawned.
    if (options.metricsHost !== undefined && options.metricsPort === undefined) throw new UsageError('--metrics-host needs --metrics-port <port>');
    if (options.metricsPort !== undefined) {
      const [{ serveStoreMetrics }, { exposureWarning }] = await Promise.all([import('../metrics/serve-store.js'), import('../metrics/server.js')]);
      const host = options.metricsHost !== undefined ? { host: options.metricsHost } : {};
      const exposed = options.metricsHost !== undefined ? exposureWarning(options.metricsHost) : null;
      if (exposed) io.say(`${exposed}\n`);
      const server = await serveStoreMetrics({ statePath, port: options.metricsPort, ...host, now: realClock.now });
      metricsServer = server;
      io.say(`metrics: serving ${server.url}\n`);
    }
    if (options.dashboard) {
      // The page reads the state through its own read-only connection; actions are posted to this run's store, which takes them.
      const { serveDashboard } = await import('../dashboard/serve.js');
      const served = await serveDashboard({
        statePath,
        shownState: config.state,
        port: options.dashboard.port,
        flag: { port: '--dashboard-port', host: '--dashboard-host' },
        ...(options.dashboard.host !== undefined ? { host: options.dashboard.host } : {}),
        allowActions: options.dashboard.actions,
        stallTimeoutMs: config.workerStallTimeoutMs,
        controls: store,
      });
      dashboard = served;
      for (const note of served.notes) io.say(`${note}\n`);
    }
    let counts = store.countIssues();
    return {
      coordinator: running,
      events,
      metrics: () => running.scaleManager.getMetrics(),
      fleet: () => running.fleetStatus(),
      status: () => {
        try {
          counts = store.countIssues();
        } catch {
          // A store that failed may not answer reads either; the run is ending with its message.
        }
        return counts;
      },
      sessionsForIssue: (issueId) => store.sessionsForIssue(issueId),
      sessionLog: (sessionId) => {
        const file = store.getSession(sessionId)?.logPath ?? null;
        // A log is made at the agent's first output.
        return file === null ? null : existsSync(file) ? { file } : { noOutput: true };
      },
      run: async (note) => {
        await running.initialize();
        // The run lock is held and crash recovery is done: what dead harnesses left in sessions/ can go.
        removeStaleSessionFiles(files.sessions, isAlive);
        if (options.retryFailed) note(retryFailed(store, config.maxAttempts, realClock.now()));
        // Issues of the file that wait for blockers are not in the state yet: with any of them new, there is something to do.
        const blockedNew = parsed?.issues.some((i) => i.blockedBy.length > 0 && !store.getIssue(i.id)) ?? false;
        const finished = source.tracked || options.watchMs !== undefined || blockedNew ? null : finishedStateNote(store.countIssues(), config.state);
        if (finished) note(finished);
        try {
          await intake.start(running);
        } catch (error) {
          // A backlog no run could finish (a dependency cycle): nothing has started; end the run cleanly, then say why.
          running.abandon();
          await running.run().catch(() => {});
          throw error;
        }
        const summary = await running.run();
        const unsent = await intake.finish();
        if (unsent > 0) note(`${unsent} report(s) to ${source.shown} could not be sent yet: the next run sends them (harness metrics shows them)`);
        const stuck = intake.stuck();
        // Interrupted before the source was worked through (not --watch, which ends that way): work may be left.
        if (intake.interrupted() && options.watchMs === undefined && summary.exitCode === 0) return { ...summary, exitCode: 130 };
        if (stuck.length === 0) return summary;
        note(`${stuck.length} issue(s) wait on a blocker that failed (--on-blocker-failure wait): ${stuck.slice(0, 5).join(', ')}${stuck.length > 5 ? ', …' : ''}; retry the blocker (harness retry <id>) and run again`);
        return { ...summary, exitCode: summary.exitCode === 0 ? 1 : summary.exitCode, waitingOnFailedBlockers: stuck };
      },
      stop: () => {
        intake.stop();
        running.stop();
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The configured lifecycle hooks, or null when there are none (their module is then not loaded). */
async function lifecycleHooks(config: HarnessConfig, context: { env: NodeJS.ProcessEnv; logDir: string; events: EventBus }) {
  const { timeoutMs: _timeoutMs, ...hooks } = config.hooks;
  if (Object.values(hooks).every((argv) => argv === null)) return null;
  const { LifecycleHooks } = await import('../hooks/lifecycle.js');
  return new LifecycleHooks({
    hooks: config.hooks,
    env: context.env,
    clock: realClock,
    killGraceMs: config.killGraceMs,
    logMaxBytes: config.logMaxBytes,
    logDir: context.logDir,
    events: context.events,
  });
}

/**
 * Worktree and worker modes: the worktrees, their bootstrap and the merge
 * queue, checked before anything starts. In shared mode, refuse a store
 * whose issues wait for a merge queue that this run would not have.
 */
async function setUpWorktrees(
  config: HarnessConfig,
  context: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    harnessDir: string;
    logDir: string;
    store: Store;
    events: EventBus;
    issueIds: string[];
    hooks: Awaited<ReturnType<typeof lifecycleHooks>>;
  },
) {
  if (config.workspace.mode === 'shared') {
    const merging = context.store.countIssues().merging;
    if (merging > 0) {
      throw new UsageError(`${merging} issue(s) in this state file are waiting to merge from a worktree run: run with --worktrees to land them`);
    }
    return null;
  }
  const { setUpWorktreeRun } = await import('../merge/worktree-run.js');
  return setUpWorktreeRun({
    repoDir: context.cwd,
    harnessDir: context.harnessDir,
    logDir: context.logDir,
    config,
    store: context.store,
    events: context.events,
    clock: realClock,
    env: context.env,
    issueIds: context.issueIds,
    hooks: context.hooks,
  });
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
