/**
 * The run's intake, put together: the source the config names (the issues
 * file, beads or GitHub), the intake that gates and hands issues over, and
 * the sender of reports back to a tracker.
 */
import { join } from 'node:path';
import type { HarnessConfig } from '../config/types.js';
import type { EventBus } from '../core/events.js';
import { StoreFailure, UsageError } from '../errors.js';
import type { Clock } from '../runtime/clock.js';
import type { Coordinator } from '../runtime/coordinator.js';
import { Intake } from '../runtime/intake.js';
import { Reporter } from '../runtime/reporter.js';
import { BeadsSource } from '../sources/beads.js';
import { FileSource } from '../sources/file-source.js';
import { GithubSource } from '../sources/github.js';
import { TrackerCli } from '../sources/tracker-cli.js';
import type { BacklogIssue, Listing, Source } from '../sources/types.js';
import type { Store } from '../store/types.js';

/** A tracker call that fails to reach it is tried this many more times, after 0.5 s, then 1 s, before the call counts as failed. */
const CALL_RETRIES = 2;
const CALL_BACKOFF_MS = 500;

/** At the end of a run, reports still queued are sent for at most this long (the next run sends the rest). */
const DRAIN_MS = 30_000;

export interface SourceContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** Where tracker calls are recorded, one JSON line each. */
  logDir: string;
  /** The issues file, read and checked (source `file`). */
  file: { path: string; shown: string; listing: Listing } | null;
}

/** The source the config names. */
export function createSource(config: HarnessConfig, context: SourceContext): Source {
  if (config.source === 'file') {
    if (!context.file) throw new UsageError('no issues to work on: pass --issues <file> (JSON Lines or a JSON array of {id, title, body?}), --source beads|github, or --example');
    return new FileSource(context.file.path, context.file.shown, context.file.listing);
  }
  const program = config.tracker.bin ?? (config.source === 'beads' ? 'bd' : 'gh');
  const cli = new TrackerCli({
    program,
    cwd: context.cwd,
    // The tracker's tools must never wait for a terminal: the harness runs unattended.
    env: { ...context.env, GH_PROMPT_DISABLED: '1', GH_NO_UPDATE_NOTIFIER: '1', NO_COLOR: '1' },
    clock: context.clock,
    timeoutMs: config.tracker.timeoutMs,
    retries: CALL_RETRIES,
    backoffMs: CALL_BACKOFF_MS,
    recordTo: join(context.logDir, 'tracker-calls.jsonl'),
  });
  if (config.source === 'beads') return new BeadsSource(cli);
  return new GithubSource(cli, { label: config.tracker.label, limit: config.tracker.limit, assign: config.tracker.assign, pullRequests: config.workspace.mode !== 'shared' && config.merge.mode === 'pr' });
}

export interface RunIntake {
  /** Issues to hand the coordinator at its start: a file's issues without blockers (the rest go through the gate). */
  readonly initial: readonly BacklogIssue[];
  /** After the coordinator's initialize(): start listing, gating and reporting. */
  start(coordinator: Coordinator): Promise<void>;
  /** Stop listing (the run is stopping). */
  stop(): void;
  /** The run is over: send what reports are queued, for a while. How many are left. */
  finish(): Promise<number>;
  /** Issues left waiting because a blocker failed (mode wait). */
  stuck(): string[];
  /** The run was stopped before its intake ended by itself. */
  interrupted(): boolean;
}

export function createIntake(
  config: HarnessConfig,
  parts: { source: Source; store: Store; events: EventBus; clock: Clock; watchMs: number | null; say(line: string): void },
): RunIntake {
  const { source, store, events, clock } = parts;
  const file = source instanceof FileSource ? source : null;
  const first = file ? file.first() : null;
  const initial = first ? first.filter((i) => i.blockedBy.length === 0) : [];
  let intake: Intake | null = null;
  const pullRequests = config.workspace.mode !== 'shared' && config.merge.mode === 'pr';
  // A done report in pr mode links the pull request that holds the work (the issue's latest merge entry's address).
  const pullRequestOf = (issueId: string): string | null => (pullRequests ? (store.listMerges().filter((m) => m.issueId === issueId && m.url !== null).at(-1)?.url ?? null) : null);
  const reporter = source.tracked ? new Reporter({ source, store, clock, events, retryMs: config.tracker.retryMs, pullRequestOf }) : null;
  return {
    initial,
    async start(coordinator) {
      intake = new Intake({
        source,
        store,
        target: coordinator,
        events,
        clock,
        onBlockerFailure: config.onBlockerFailure,
        watchMs: parts.watchMs,
        retryMs: config.tracker.retryMs,
        // A tracker's issues are taken as workers can start them; the rest stay for others.
        window: source.tracked ? config.maxWorkers + config.targetQueueDepth : null,
        say: parts.say,
        workLeft: () => {
          const c = store.countIssues();
          return c.backlog + c.queued + c.running + c.merging;
        },
        // A blocker's close must reach the tracker before it lists its dependents as ready.
        ...(reporter ? { beforeListing: () => reporter.drain(config.tracker.timeoutMs).then(() => undefined) } : {}),
        fail: (error) => {
          // A store failure already ends the run (its onFailure); anything else is a failure of the intake itself.
          if (!(error instanceof StoreFailure)) parts.say(`intake stopped: ${error instanceof Error ? error.message : String(error)}`);
          coordinator.stop();
        },
      });
      reporter?.start();
      await intake.start(first ? first.filter((i) => i.blockedBy.length > 0) : null);
    },
    stop: () => intake?.stop(),
    async finish() {
      intake?.close();
      if (!reporter) return 0;
      const left = await reporter.drain(Math.min(DRAIN_MS, config.tracker.timeoutMs * 2));
      reporter.stop();
      return left;
    },
    stuck: () => intake?.stuck() ?? [],
    interrupted: () => intake?.interrupted() ?? false,
  };
}
