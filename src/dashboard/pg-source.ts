/**
 * The dashboard's source on a fleet's PostgreSQL store. Each update is one
 * read-only REPEATABLE READ transaction, so every figure comes from the
 * same moment. What is cheap (coordinators, running sessions, issue
 * counts, holds, spend, the trailing windows) is read every time; what
 * goes over every session (totals by outcome) is read again only when a
 * session has ended, the percentiles (a sort of them all) at most every
 * RANKS_MS, and the feed and charts only when a
 * session started or ended, a request was posted or answered, or
 * SLOW_MS passed. The figures are the metric set's, by its one definition.
 */
import { healthWindowMs } from '../core/health.js';
import { computeMetricSet } from '../core/metric-set.js';
import { THROUGHPUT_WINDOW_MS } from '../core/metrics.js';
import { HEALTH_INTERVAL_SAMPLE, healthIntervalFromSnapshots, nearestRank } from '../metrics/derive.js';
import { COUNTED_OUTCOMES } from '../metrics/query-types.js';
import type { Clock } from '../runtime/clock.js';
import type { PostgresConnection } from '../store/postgres/connection.js';
import type { Tx } from '../store/postgres/sql.js';
import { chartSpan, chartSteps, chartsOf, NO_CHARTS, type Charts } from './charts.js';
import { runningSessionView, type CoordinatorView, type DashboardState, type RunningSessionView } from './data.js';
import { feedEvents } from './feed.js';
import { LogTails } from './log-tail.js';
import { readLive, readRanks, readTotals, readWindows, type CoordinatorFigures, type LiveFigures, type SessionTotals } from './pg-queries.js';
import { anyLive, costHistory, history, issueDetail, issuePage, issuesVersion, readFeed, sessionAt, snapshotRange, type FeedSources } from './pg-lists.js';
import type { DashboardSource } from './source.js';

/** The longest the feed and charts go unread while nothing else changes (ms). */
export const SLOW_MS = 2000;
/** The longest the totals over every session go unread (the health window's stalls move with time). */
export const TOTALS_MS = 10_000;
/**
 * The shortest time between two readings of the percentiles, which sort
 * every counted session: one more session moves them little, and a fleet
 * ending sessions every second would otherwise sort them all every second.
 */
export const RANKS_MS = 30_000;
const EVENT_LIMIT = 60;
const ENDED_HOLDS = 5;

export interface PostgresSourceOptions {
  /** The store's address as shown (password masked) and its schema. */
  shown: string;
  /** This host's name: logs of sessions run here are read, others' are not. */
  hostname: string;
  stallTimeoutMs: number;
  actions: boolean;
  clock: Clock;
}

type Transactor = Pick<PostgresConnection, 'transact' | 'close'>;

interface Slow {
  key: string;
  at: number;
  feed: FeedSources;
  charts: Charts;
}

export function openPostgresSource(connection: Transactor, options: PostgresSourceOptions): DashboardSource {
  const tails = new LogTails();
  let healthMs = healthWindowMs({ healthCheckIntervalMs: healthIntervalFromSnapshots([]).ms });
  let totals: { key: string; at: number; value: SessionTotals; counted: number } | null = null;
  let ranks: { at: number; counted: number; durations: Map<number, number> } | null = null;
  let slow: Slow | null = null;
  const read = (operation: string, work: (tx: Tx) => Promise<unknown>) =>
    connection.transact(operation, async (tx) => {
      // One snapshot for every statement, and nothing written through this connection by mistake.
      await tx.run('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      return work(tx);
    });

  async function readState(tx: Tx): Promise<DashboardState> {
    const clockNow = options.clock.now();
    const live = await readLive(tx, { holdsEnded: ENDED_HOLDS, snapshots: HEALTH_INTERVAL_SAMPLE });
    const liveCoordinators = live.coordinators.filter((c) => c.state === 'live');
    const fleetLive = liveCoordinators.some((c) => c.heartbeatAgeMs <= c.leaseMs);
    // A fleet with no live coordinator is shown as of the last thing it recorded, as a finished state is.
    const lastActivity = maxOf([live.lastEndedAt, live.snapshotTimes[0] ?? null, ...live.coordinators.map((c) => c.endedAt)]);
    const now = fleetLive || lastActivity === null ? clockNow : lastActivity;
    const interval = healthIntervalFromSnapshots(live.snapshotTimes);
    healthMs = healthWindowMs({ healthCheckIntervalMs: interval.ms });
    const windows = await readWindows(tx, { from: now - THROUGHPUT_WINDOW_MS, to: now }, { from: now - healthMs, to: now });

    const openIds = live.running.map((r) => r.session.id).join(',');
    const totalsKey = `${openIds}|${live.lastEndedAt}`;
    if (totals === null || totals.key !== totalsKey || clockNow - totals.at >= TOTALS_MS) {
      const value = await readTotals(tx, { from: now - healthMs, to: now });
      const counted = COUNTED_OUTCOMES.reduce((n, o) => n + value.byOutcome[o].count, 0);
      totals = { key: totalsKey, at: clockNow, value, counted };
    }
    if (ranks === null || (ranks.counted !== totals.counted && clockNow - ranks.at >= RANKS_MS)) {
      const counted = totals.counted;
      ranks = { at: clockNow, counted, durations: await readRanks(tx, counted === 0 ? [] : [...new Set([0.5, 0.95, 0.99].map((p) => nearestRank(p, counted)))]) };
    }
    const slowKey = `${totalsKey}|${live.lastControl}`;
    if (slow === null || slow.key !== slowKey || clockNow - slow.at >= SLOW_MS) {
      const earliestLive = liveCoordinators.length === 0 ? null : Math.min(...liveCoordinators.map((c) => c.startedAt));
      slow = { key: slowKey, at: clockNow, feed: await readFeed(tx, { from: Number.MIN_SAFE_INTEGER, to: now }, EVENT_LIMIT), charts: await readCharts(tx, now, fleetLive ? earliestLive : null, live.spent.costUsd) };
    }

    const coordinators = live.coordinators.map((c) => coordinatorView(c, clockNow));
    const fleetWorkers = { current: 0, busy: 0, idle: 0, draining: 0, stalled: 0 };
    coordinators.forEach((c, i) => {
      if (!c.live) return;
      fleetWorkers.current += live.coordinators[i]!.alive;
      for (const k of ['busy', 'idle', 'draining', 'stalled'] as const) fleetWorkers[k] += c.workers[k];
    });
    const t = totals.value.byOutcome;
    const counted = totals.counted;
    const countedMs = COUNTED_OUTCOMES.reduce((n, o) => n + t[o].durationMs, 0);
    // The percentiles as of their last reading, by the ranks of that count.
    const ranked = ranks;
    const at = (p: number) => (ranked.counted === 0 ? 0 : Math.max(0, ranked.durations.get(nearestRank(p, ranked.counted)) ?? 0));
    const recent = windows.outcomes;
    const seed = computeMetricSet({
      timestamp: now,
      workers: { idle: fleetWorkers.idle, busy: fleetWorkers.busy + fleetWorkers.draining, draining: 0, stalled: fleetWorkers.stalled },
      queueDepth: live.issueCounts.queued,
      mergeQueueDepth: live.issueCounts.merging,
      sessions: { completed: t.success.count, failed: counted - t.success.count, meanMs: counted === 0 ? 0 : countedMs / counted, p95Ms: at(0.95), p99Ms: at(0.99), recentSuccesses: windows.successes },
      healthWindow: { ok: recent.success, failed: recent.failure + recent.stalled + recent.timeout, stalls: totals.value.recentStalls },
      backpressure: { active: fleetLive && slow.feed.backpressure, activations: slow.feed.activations },
      scaleOperations: slow.feed.scale.up + slow.feed.scale.down,
      workerStalls: totals.value.stalls,
    });
    const running = runningSessions(live, tails, { now, stallTimeoutMs: options.stallTimeoutMs, hostname: options.hostname });
    const runningSpend = running.reduce((s, r) => ({ costUsd: s.costUsd + (r.costUsd ?? 0), inputTokens: s.inputTokens + r.inputTokens, outputTokens: s.outputTokens + r.outputTokens }), { costUsd: 0, inputTokens: 0, outputTokens: 0 });
    return {
      state: options.shown,
      now,
      nowSource: now === clockNow ? 'clock' : 'last-activity',
      live: fleetLive,
      actions: options.actions,
      stallTimeoutMs: options.stallTimeoutMs,
      fleet: {
        workers: fleetWorkers,
        queueDepth: seed.queueDepth,
        mergeQueueDepth: seed.mergeQueueDepth,
        throughputPerMinute: seed.throughputPerMinute,
        latency: { meanMs: seed.avgSessionDurationMs, p50Ms: at(0.5), p95Ms: seed.p95SessionDurationMs, p99Ms: seed.p99SessionDurationMs },
        successRate: seed.successRate,
        completed: seed.totalSessionsCompleted,
        failed: seed.totalSessionsFailed,
        health: seed.health,
        backpressure: { active: seed.backpressureActive, activations: seed.backpressureActivations },
        scaleOperations: slow.feed.scale,
        spend: {
          costUsd: live.spent.costUsd + runningSpend.costUsd,
          inputTokens: live.spent.inputTokens + runningSpend.inputTokens,
          outputTokens: live.spent.outputTokens + runningSpend.outputTokens,
          runningCostUsd: runningSpend.costUsd,
        },
      },
      coordinators,
      holds: live.holds,
      sessions: running,
      charts: slow.charts,
      events: feedEvents(slow.feed.events, slow.feed, live.holds, { limit: EVENT_LIMIT }),
      issues: { counts: live.issueCounts, version: `${live.issuesUpdatedAt ?? 0}.${live.lastEndedAt ?? 0}.${live.running.length}` },
      controls: slow.feed.controls.slice(0, 10),
    };
  }

  return {
    read: () => read('read the dashboard', readState) as Promise<DashboardState>,
    issuePage: (query) =>
      read('read a page of issues', async (tx) => ({ ...(await issuePage(tx, query)), version: await issuesVersion(tx) })) as ReturnType<DashboardSource['issuePage']>,
    issueDetail: (id) => read('read an issue', (tx) => issueDetail(tx, id)) as ReturnType<DashboardSource['issueDetail']>,
    session: (id) => read('read a session', (tx) => sessionAt(tx, id)) as ReturnType<DashboardSource['session']>,
    live: () => read('see whether a coordinator is live', anyLive) as Promise<boolean>,
    close: () => connection.close(),
  };
}

async function readCharts(tx: Tx, to: number, runStart: number | null, recordedCostUsd: number): Promise<Charts> {
  const last = (await snapshotRange(tx, { from: runStart ?? Number.MIN_SAFE_INTEGER, to })).last;
  if (last === null) return NO_CHARTS;
  const first = (await snapshotRange(tx, chartSpan(last, runStart))).first;
  if (first === null) return NO_CHARTS;
  const { from, stepMs } = chartSteps(first, last);
  const range = { from, to: last };
  return chartsOf({ from, to: last, stepMs }, await history(tx, range, from, stepMs), await costHistory(tx, range, from, stepMs), recordedCostUsd);
}

/** A coordinator's workers: busy ones run a session (draining ones among them), idle ones do not; `late` once its heartbeat is older than its lease. */
function coordinatorView(c: CoordinatorFigures, now: number): CoordinatorView {
  const active = Math.min(c.open, c.alive);
  const draining = Math.min(c.draining, active);
  const live = c.state === 'live' && c.heartbeatAgeMs <= c.leaseMs;
  return {
    id: c.id,
    hostname: c.host,
    pid: c.pid,
    live,
    state: c.state === 'live' ? (live ? 'live' : 'late') : c.state,
    startedAt: c.startedAt,
    heartbeatAt: now - c.heartbeatAgeMs,
    heartbeatAgeMs: c.heartbeatAgeMs,
    maxWorkers: c.maxWorkers,
    version: c.version,
    endedBy: c.endedBy,
    // One that is not live (late, ended, dead) has no workers the page can vouch for: its open sessions wait for the fleet to requeue them.
    workers: live ? { busy: active - draining, idle: Math.max(0, c.alive - active), draining, stalled: Math.min(c.stalled, active) } : { busy: 0, idle: 0, draining: 0, stalled: 0 },
  };
}

function runningSessions(live: LiveFigures, tails: LogTails, at: { now: number; stallTimeoutMs: number; hostname: string }): RunningSessionView[] {
  // A log written on another host is a file there: only this host's are read.
  const here = (host: string | null) => host === null || host === at.hostname;
  tails.keepOnly(live.running.map((r) => (here(r.host) ? r.session.logPath : null)));
  return live.running.map(({ session, title, coordinatorId, host }) =>
    runningSessionView(session, title, session.logPath === null || !here(host) ? null : tails.read(session.logPath), at, {
      coordinator: coordinatorId,
      logHost: here(host) ? null : host,
    }),
  );
}

function maxOf(values: readonly (number | null)[]): number | null {
  let max: number | null = null;
  for (const v of values) if (v !== null && (max === null || v > max)) max = v;
  return max;
}
