/**
 * What the dashboard shows, read from a state store in one read
 * transaction: the fleet at a glance (the seed's metric set by its one
 * definition, plus p50, draining workers, spend, holds), each coordinator
 * the store records, the running sessions with their stall risk, history
 * charts, the event feed and the issue counts. Plain data, serialised as
 * is to the page; every text in it is the store's (issue titles, agent
 * output, reasons) and the page treats all of it as text.
 */
import type { HealthStatus, IssueStatus } from '../core/states.js';
import type { FleetQueries } from '../metrics/fleet.js';
import { nearestRank, rankOffset, type Liveness } from '../metrics/derive.js';
import { ALL_TIME, COUNTED_OUTCOMES, type StoreQueries } from '../metrics/queries.js';
import { buildReport, type MetricsReport } from '../metrics/report.js';
import type { ControlRequestRow, HoldRow, SessionRow } from '../store/types.js';
import { ChartCache, type Charts } from './charts.js';
import { feedEvents, feedListsOf, type FeedEvent } from './feed.js';
import { LogTails } from './log-tail.js';

export type StallRisk = 'ok' | 'warn' | 'stalled';

export interface RunningSessionView {
  id: string;
  issueId: string;
  title: string;
  workerId: string;
  attempt: number;
  startedAt: number;
  lastProgressAt: number;
  stalledAt: number | null;
  /** Time since the last progress, as a share of the stall timeout: ok below ½, warn below 1, stalled from 1 (or once found stalled). */
  risk: StallRisk;
  /** The agent's latest activity (its event stream), else the last line of its log; null before either. */
  activity: { text: string; source: 'agent' | 'log' } | null;
  costUsd: number | null;
  inputTokens: number;
  outputTokens: number;
  hasLog: boolean;
  /** The coordinator running it (a fleet's), null for a state file's one run. */
  coordinator: string | null;
  /** The host its log is on when that is not this one (its log cannot be read here), else null. */
  logHost: string | null;
}

/**
 * A coordinator as the page shows it: `live` while it renews its lease,
 * `late` when a live one's heartbeat is older than its lease (the fleet
 * will presume it dead), `ended` once it left, `dead` once presumed dead;
 * a state file's run that no longer holds the lock is `gone`.
 */
export type CoordinatorShownState = 'live' | 'late' | 'ended' | 'dead' | 'gone';

export interface CoordinatorView {
  /** What the store knows it by (a state file's run: its host and pid). */
  id: string;
  hostname: string;
  pid: number;
  live: boolean;
  state: CoordinatorShownState;
  startedAt: number;
  heartbeatAt: number;
  /** Time since its last heartbeat (on PostgreSQL by the server's clock, so hosts' clocks need not agree). */
  heartbeatAgeMs: number;
  /** Its maxWorkers and harness version, when the store records them. */
  maxWorkers: number | null;
  version: string | null;
  /** Why it ended (left, or presumed dead), null while live. */
  endedBy: string | null;
  workers: { busy: number; idle: number; draining: number; stalled: number };
}

/** A hold as the page shows it: as recorded (until: when it lifts by itself, a usage limit's reset). */
export type HoldView = HoldRow;

export interface FleetView {
  workers: { current: number; busy: number; idle: number; draining: number; stalled: number };
  queueDepth: number;
  mergeQueueDepth: number;
  throughputPerMinute: number;
  latency: { meanMs: number; p50Ms: number; p95Ms: number; p99Ms: number };
  successRate: number;
  completed: number;
  failed: number;
  health: HealthStatus;
  backpressure: { active: boolean; activations: number };
  scaleOperations: { up: number; down: number };
  spend: { costUsd: number; inputTokens: number; outputTokens: number; runningCostUsd: number };
}

export interface DashboardState {
  /** The state file, as the user named it (a PostgreSQL store: its address, password masked, and schema). */
  state: string;
  /** The instant the figures describe (the wall clock while a run is live, else the last thing recorded). */
  now: number;
  nowSource: 'clock' | 'last-activity';
  live: boolean;
  /** Actions may be requested (`--allow-actions`). */
  actions: boolean;
  stallTimeoutMs: number;
  fleet: FleetView;
  coordinators: CoordinatorView[];
  holds: HoldView[];
  sessions: RunningSessionView[];
  charts: Charts;
  events: FeedEvent[];
  issues: { counts: Record<IssueStatus, number>; version: string };
  controls: ControlRequestRow[];
}

export interface DashboardReadOptions extends Liveness {
  state: string;
  stallTimeoutMs: number;
  actions: boolean;
  /** How many feed events to show (default 60). */
  eventLimit?: number;
}

/** Holds that ended, shown after the ones on. */
const ENDED_HOLDS = 5;
const CONTROLS_SHOWN = 10;

/** What one reader keeps between reads: the logs' last lines, the charts. */
export interface DashboardCaches {
  tails: LogTails;
  charts: ChartCache;
}

export function dashboardCaches(): DashboardCaches {
  return { tails: new LogTails(), charts: new ChartCache() };
}

export function readDashboard(queries: StoreQueries, fleet: FleetQueries, caches: DashboardCaches, options: DashboardReadOptions): DashboardState {
  return queries.snapshot(() => {
    const report = buildReport(queries, { ...options, eventLimit: options.eventLimit ?? 60 });
    const { now } = report;
    const runStart = report.live && report.run ? report.run.startedAt : null;
    const draining = runStart === null ? 0 : Math.min(fleet.workerCounts(runStart).draining, report.activeWorkers);
    const workers = {
      current: report.currentWorkers,
      busy: report.activeWorkers - draining,
      idle: report.idleWorkers,
      draining,
      stalled: report.stalledWorkers,
    };
    const spend = fleet.spend();
    const holds = fleet.holds(ENDED_HOLDS).map((h): HoldView => ({ ...h }));
    return {
      state: options.state,
      now,
      nowSource: report.nowSource,
      live: report.live,
      actions: options.actions,
      stallTimeoutMs: options.stallTimeoutMs,
      fleet: {
        workers,
        queueDepth: report.queueDepth,
        mergeQueueDepth: report.mergeQueueDepth,
        throughputPerMinute: report.throughputPerMinute,
        latency: { meanMs: report.avgSessionDurationMs, p50Ms: median(queries, report), p95Ms: report.p95SessionDurationMs, p99Ms: report.p99SessionDurationMs },
        successRate: report.successRate,
        completed: report.totalSessionsCompleted,
        failed: report.totalSessionsFailed,
        health: report.health,
        backpressure: { active: report.backpressureActive, activations: report.backpressureActivations },
        scaleOperations: report.scaleOperationsByDirection,
        spend: {
          costUsd: spend.recorded.costUsd + spend.running.costUsd,
          inputTokens: spend.recorded.inputTokens + spend.running.inputTokens,
          outputTokens: spend.recorded.outputTokens + spend.running.outputTokens,
          runningCostUsd: spend.running.costUsd,
        },
      },
      coordinators: report.run ? [runCoordinator(report.run, report.live, now, workers)] : [],
      holds,
      sessions: runningSessions(fleet, caches.tails, now, options.stallTimeoutMs),
      charts: caches.charts.read(fleet, queries, { now, runStart, recordedCostUsd: spend.recorded.costUsd }),
      events: feedEvents(report.events, feedListsOf(fleet, { now, limit: options.eventLimit ?? 60 }), holds, { limit: options.eventLimit ?? 60 }),
      issues: { counts: report.issuesByStatus, version: fleet.issuesVersion() },
      controls: fleet.controls(CONTROLS_SHOWN),
    };
  });
}

/** The nearest-rank median of the counted sessions' durations, read as the report reads p95. */
function median(queries: StoreQueries, report: MetricsReport): number {
  const counted = COUNTED_OUTCOMES.reduce((n, o) => n + report.sessionsByOutcome[o], 0);
  if (counted === 0) return 0;
  const { order, offset } = rankOffset(nearestRank(0.5, counted), counted);
  return Math.max(0, queries.countedDurationAt(ALL_TIME, offset, order) ?? 0);
}

/** A state file's one run, as a coordinator. */
function runCoordinator(run: NonNullable<MetricsReport['run']>, live: boolean, now: number, workers: CoordinatorView['workers']): CoordinatorView {
  return {
    id: `${run.hostname} pid ${run.pid}`,
    hostname: run.hostname,
    pid: run.pid,
    live,
    state: live ? 'live' : 'gone',
    startedAt: run.startedAt,
    heartbeatAt: run.heartbeatAt,
    heartbeatAgeMs: Math.max(0, now - run.heartbeatAt),
    maxWorkers: null,
    version: null,
    endedBy: null,
    workers,
  };
}

/** How close a session is to being found stalled. */
export function stallRisk(sinceProgressMs: number, stallTimeoutMs: number, stalledAt: number | null): StallRisk {
  if (stalledAt !== null || sinceProgressMs >= stallTimeoutMs) return 'stalled';
  return sinceProgressMs >= stallTimeoutMs / 2 ? 'warn' : 'ok';
}

function runningSessions(fleet: FleetQueries, tails: LogTails, now: number, stallTimeoutMs: number): RunningSessionView[] {
  const running = fleet.runningSessions();
  tails.keepOnly(running.map((r) => r.session.logPath));
  return running.map(({ session, title }) => runningSessionView(session, title, session.logPath === null ? null : tails.read(session.logPath), { now, stallTimeoutMs }));
}

/**
 * One running session as the page shows it: its stall risk, and its
 * latest activity (the agent's own, else its log's last line). `log` is
 * its log's tail, null when there is none to read here; `where` names its
 * coordinator and, for a log on another host, that host.
 */
export function runningSessionView(
  s: SessionRow,
  title: string,
  log: { line: string | null } | null,
  at: { now: number; stallTimeoutMs: number },
  where: { coordinator: string | null; logHost: string | null } = { coordinator: null, logHost: null },
): RunningSessionView {
  const agentText = s.activity?.text ?? null;
  const logLine = agentText === null ? (log?.line ?? null) : null;
  return {
    id: s.id,
    issueId: s.issueId,
    title,
    workerId: s.workerId,
    attempt: s.attempt,
    startedAt: s.startedAt,
    lastProgressAt: s.lastProgressAt,
    stalledAt: s.stalledAt,
    risk: stallRisk(Math.max(0, at.now - s.lastProgressAt), at.stallTimeoutMs, s.stalledAt),
    activity: agentText !== null ? { text: agentText, source: 'agent' } : logLine !== null ? { text: logLine, source: 'log' } : null,
    costUsd: s.usage?.costUsd ?? null,
    inputTokens: s.usage?.inputTokens ?? 0,
    outputTokens: s.usage?.outputTokens ?? 0,
    hasLog: log !== null,
    coordinator: where.coordinator,
    logHost: where.logHost,
  };
}
