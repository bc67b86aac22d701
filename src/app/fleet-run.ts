/**
 * The composition root of `harness run --store postgres://…`: one
 * coordinator of a fleet that shares a PostgreSQL store. It joins the
 * fleet (its lease and fencing token), adds its issues file (if any) to
 * the shared backlog, and works through that backlog with the others
 * until none of it is left; the fleet's membership (runtime/fleet-member.ts)
 * renews its lease, requeues the sessions of coordinators that went
 * silent, and reads the queue the others change.
 */
import { existsSync, realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { SessionRunner } from '../agents/types.js';
import type { HarnessConfig } from '../config/types.js';
import { EventBus } from '../core/events.js';
import type { IssueStatus } from '../core/states.js';
import { FencedError, StoreError, UsageError } from '../errors.js';
import { realClock } from '../runtime/clock.js';
import { Coordinator } from '../runtime/coordinator.js';
import { sessionLogPath } from '../runtime/coordinator-parts.js';
import { FleetMember } from '../runtime/fleet-member.js';
import { mergeSettingsOf } from '../merge/settings-text.js';
import { fleetFinishedNote } from './run-state.js';
import { systemProcesses } from '../runtime/processes.js';
import { firstProblems, readIssuesFile } from '../sources/issues-file.js';
import { stateFiles } from '../store/layout.js';
import { openPostgresStore, type PostgresStore } from '../store/postgres/index.js';
import { maskUrl, storeTarget } from '../store/postgres/url.js';
import type { SessionRow } from '../store/types.js';
import { terminalSafeLines } from '../text/escape.js';
import { VERSION } from '../version.js';
import { prepareAgent, sessionRunner } from './agent.js';
import type { PreparedRun, RunIO, RunOptions } from './run.js';
import { runSettings } from './settings.js';

/** Failures whose latest log the summary shows, at most (a fleet's backlog may hold many). */
const FAILURES_DESCRIBED = 50;

/** What a fleet's coordinator cannot do yet, each refused before anything starts, with what to do instead. */
function refusals(config: HarnessConfig, options: RunOptions): string | null {
  if (config.source !== 'file') return `--source ${config.source} with --store: a fleet takes its backlog from issues files for now; export the tracker's issues to a file, or run one harness with its SQLite state`;
  if (config.workspace.mode === 'worker') return "workspace mode worker with --store: a fleet's coordinators run in shared or worktree mode (each worker's worktree is named by a number every coordinator has); use --worktrees";
  if (options.watchMs !== undefined) return '--watch with --store: a fleet works through its backlog and ends; start a coordinator again (or add issues with another one) for new work';
  if (options.fresh) return '--fresh moves a SQLite state aside; a PostgreSQL store is shared by the fleet: use another schema (…?schema=<name>) for a new backlog';
  if (options.retryFailed) return '--retry-failed with --store is not supported: retry the failed issues with `harness retry <id>... --store <url>` (the fleet takes them up), then run';
  if (options.forceUnlock) return '--force-unlock is for a SQLite state; a fleet has no run lock (a silent coordinator is presumed dead after fleet.leaseMs)';
  if (options.metricsPort !== undefined) return '--metrics-port with --store is not supported yet: use `harness metrics --store <url>`';
  return null;
}

/** Read the backlog, open the fleet's store and wire the coordinator; nothing is spawned until run(). */
export async function prepareFleetRun(options: RunOptions, io: RunIO): Promise<PreparedRun> {
  const config = options.config;
  const url = config.store;
  if (url === null) throw new UsageError('no store to join: pass --store postgres://…');
  const refused = refusals(config, options);
  if (refused) throw new UsageError(refused);
  const parsed = options.issues ? readIssuesFile(options.issues.path, { skipInvalid: options.issues.skipInvalid }) : null;
  if (parsed && options.issues && parsed.problems.length > 0) {
    io.say(terminalSafeLines(`skipped ${parsed.problems.length} invalid record(s) of ${options.issues.shown}:\n${firstProblems(parsed.problems).map((p) => `  - ${p}`).join('\n')}`) + '\n');
  }
  const blocked = parsed?.issues.filter((i) => i.blockedBy.length > 0) ?? [];
  if (blocked.length > 0) {
    throw new UsageError(`${blocked.length} issue(s) of ${options.issues?.shown} name blockers (first: ${JSON.stringify(blocked[0]!.id)}): a fleet does not order issues by their blockers yet; run them with a SQLite state, or drop blockedBy`);
  }
  const agent = await prepareAgent(config, { cwd: io.cwd, env: io.env, workDir: io.cwd });
  const statePath = resolve(io.cwd, config.state);
  const files = stateFiles(statePath);
  // The URL's ?schema=, else HARNESS_STORE_SCHEMA, else harness: as the reading commands and the dashboard take it.
  const inUrl = storeTarget(url);
  const target = inUrl.url === url && io.env.HARNESS_STORE_SCHEMA ? { url: inUrl.url, schema: io.env.HARNESS_STORE_SCHEMA } : inUrl;
  // With no issues of its own, a coordinator only joins a backlog that is there: a mistyped schema is said so, never created.
  if (!parsed) await checkSchemaExists(target.url, target.schema);
  const store: PostgresStore = await openPostgresStore(target.url, {
    schema: target.schema,
    applicationName: `harness ${hostname()}:${process.pid}`,
    // A coordinator paused mid-transaction loses its connection (and its locks) before the others presume it dead.
    idleInTransactionMs: config.fleet.leaseMs / 2,
  });
  // A coordinator with no issues of its own joins for the fleet's backlog: one that holds none is a mistake (a schema mistyped, or started before the one that adds them).
  if (!parsed) {
    const counts = await store.countIssues().catch(async (error: unknown) => {
      await store.close().catch(() => {});
      throw error;
    });
    if (Object.values(counts).every((n) => n === 0)) {
      await store.close().catch(() => {});
      throw new UsageError(`no issues to work on: the fleet's store ${store.location} holds none yet: pass --issues <file>, or start this coordinator once another has added its issues`);
    }
  }
  let runner: SessionRunner | null = null;
  let coordinator: Coordinator | null = null;
  const events = new EventBus();
  const member = new FleetMember({ store, clock: realClock, events, processes: systemProcesses });
  const logPaths = new Map<string, string | null>();
  const failureSessions = new Map<string, SessionRow[]>();
  let dashboard: { close(): Promise<void> } | null = null;
  const close = async (): Promise<void> => {
    member.stop();
    await runner?.close?.();
    await dashboard?.close();
    await store.close().catch(() => {});
  };
  try {
    const worktreeRun = await setUpFleetWorktrees(config, { cwd: io.cwd, env: io.env, harnessDir: dirname(statePath), logDir: files.logs, store, events, issueIds: parsed?.issues.map((i) => i.id) ?? [] });
    const sessions = sessionRunner(config, agent, {
      heartbeatDir: files.sessions,
      env: io.env,
      quiet: Boolean(options.quiet),
      say: (text) => io.say(text),
      deliver: (delivered) => (coordinator ? coordinator.batch(delivered) : delivered()),
    });
    runner = sessions;
    coordinator = new Coordinator(
      {
        issues: parsed?.issues ?? [],
        store,
        runner: sessions,
        workspaces: worktreeRun?.provider ?? null,
        merge: worktreeRun?.merge ?? null,
        settings: { ...runSettings(config, agent.invocation), logDir: files.logs },
      },
      { cwd: io.cwd, scaleConfig: config, events, displayMetrics: false, shared: true },
    );
    const running = coordinator;
    events.on('session:started', (e) => logPaths.set(e.sessionId, sessionLogPath(files.logs, e.issueId, e.attempt, e.sessionId)));
    io.say(`store: ${store.location}\n`);
    if (!worktreeRun && config.merge.push !== null) io.say('note: merge.push applies with --worktrees (a fleet that merges); without it, sessions work in this checkout and nothing is pushed\n');
    if (options.dashboard) {
      // The page reads the whole fleet through its own connection; actions are posted there for any live coordinator to take.
      const { serveDashboard } = await import('../dashboard/serve.js');
      const served = await serveDashboard({
        store: target,
        port: options.dashboard.port,
        flag: { port: '--dashboard-port', host: '--dashboard-host' },
        ...(options.dashboard.host !== undefined ? { host: options.dashboard.host } : {}),
        allowActions: options.dashboard.actions,
        stallTimeoutMs: config.workerStallTimeoutMs,
      });
      dashboard = served;
      for (const note of served.notes) io.say(`${note}\n`);
    }
    return {
      coordinator: running,
      events,
      metrics: () => running.scaleManager.getMetrics(),
      fleet: () => running.fleetStatus(),
      // The fleet's counts as this coordinator last read them (every answer of the store carries them).
      status: (): Record<IssueStatus, number> => ({ ...running.engine.state.queue.counts }),
      sessionLog: (sessionId) => {
        const file = logPaths.get(sessionId) ?? null;
        return file === null ? null : existsSync(file) ? { file } : { noOutput: true };
      },
      sessionsForIssue: (issueId) => failureSessions.get(issueId) ?? [],
      run: async (note) => {
        const leaseMs = config.fleet.leaseMs;
        await member.join({
          host: hostname(),
          pid: process.pid,
          processStart: systemProcesses.identify?.(process.pid) ?? null,
          version: VERSION,
          maxWorkers: config.maxWorkers,
          startedAt: realClock.now(),
          leaseMs,
          fleetMaxWorkers: config.fleet.maxWorkers,
          // Its branches exist only in its checkout (or the remote it pushes them to): the fleet merges in one place.
          checkout: worktreeRun?.mergesIn ?? `shared:${hostname()}:${realpathSync(io.cwd)}`,
          // The leader merges every coordinator's branches with its own settings: the fleet's must agree.
          mergeSettings: worktreeRun ? mergeSettingsOf(config.merge) : null,
        });
        member.start(running, leaseMs);
        let fenced = false;
        try {
          // Nothing to do only if the store had nothing left when this coordinator came (not when others took it all meanwhile).
          const before = await store.countIssues();
          const summary = await running.run();
          const idle = before.backlog + before.queued + before.running + before.merging === 0 && before.done + before.failed > 0 && Object.values(summary.sessions).every((n) => n === 0);
          const finished = idle ? fleetFinishedNote(summary.issues, store.location) : null;
          if (finished) note(finished);
          for (const failure of summary.failures.slice(0, FAILURES_DESCRIBED)) failureSessions.set(failure.id, await store.sessionsForIssue(failure.id));
          return summary;
        } catch (error) {
          fenced = error instanceof FencedError;
          const dead = fenced ? null : await member.presumedDead();
          if (dead !== null) {
            fenced = true;
            throw new FencedError(dead, { cause: error });
          }
          throw error;
        } finally {
          await member.leave('its run ended', fenced).catch(() => {});
        }
      },
      stop: () => running.stop(),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Worktree mode in a fleet: the coordinators share one checkout of the
 * repository on one host (its worktrees and merge worktree under the state's
 * directory). Each queues its successful branches in the shared store; only
 * the holder of the `merge` lease (fleet.leaseMs, renewed every third of it)
 * runs the merge loop, and when it dies or loses the lease the next to try
 * takes over and recovers what it left merging.
 */
async function setUpFleetWorktrees(
  config: HarnessConfig,
  context: { cwd: string; env: NodeJS.ProcessEnv; harnessDir: string; logDir: string; store: PostgresStore; events: EventBus; issueIds: string[] },
) {
  if (config.workspace.mode === 'shared') return null;
  const [{ setUpWorktreeRun }, { MergeLeadership }] = await Promise.all([import('../merge/worktree-run.js'), import('../merge/leadership.js')]);
  const { store } = context;
  return setUpWorktreeRun({
    repoDir: context.cwd,
    harnessDir: context.harnessDir,
    logDir: context.logDir,
    config,
    store,
    events: context.events,
    clock: realClock,
    env: context.env,
    issueIds: context.issueIds,
    leadership: new MergeLeadership({ lease: store, clock: realClock, ttlMs: config.fleet.leaseMs }),
  });
}

/** A schema that holds no harness store yet: refused (exit 2) with what to do, before anything would create it. */
async function checkSchemaExists(url: string, schema: string): Promise<void> {
  const { PgReader } = await import('../metrics/pg/index.js');
  try {
    await (await PgReader.open(url, { schema })).close();
  } catch (error) {
    if (error instanceof StoreError && /^no harness store in schema/.test(error.message)) {
      throw new UsageError(
        `no issues to work on: ${maskUrl(url)} has no harness store in schema ${schema} yet: pass --issues <file> (which creates it), or check the schema the fleet uses (?schema= in the URL)`,
      );
    }
    throw error;
  }
}
