import type { EventBus } from '../core/events.js';
import { SESSION_OUTCOMES, type HealthStatus, type SessionOutcome } from '../core/states.js';
import { ChainWatch, type ChainsById } from './chain-watch.js';
import { MakespanBound } from './quality.js';
import { ValueSample } from './value-sample.js';

/** The pool at one health check, for the charts. Times in scenario ms. */
export interface TimelineSample {
  at: number;
  /** Live workers: idle, busy and draining. */
  workers: number;
  /** Workers running a session. */
  busy: number;
  /** Admitted issues waiting for a worker: the queue depth the scaler sees. */
  queueDepth: number;
  /** Issues that arrived and have not started: queued plus held back by backpressure (not those waiting for a blocker). */
  waiting: number;
  /** Issues done so far. */
  done: number;
}

/** Integrals over [first arrival, last outcome], in (count × scenario ms). */
export interface Integrals {
  workerMs: number;
  busyMs: number;
  /** Issues in the system (backlog + queued + running) as the store counts them. */
  wipMs: number;
  /** Time with fewer live workers than clamp(demand, minWorkers, maxWorkers). */
  underMs: number;
  /** Time with more live workers than that. */
  overMs: number;
}

/** What one run did, as seen through the coordinator's events. */
export interface Observation {
  issuesArrived: number;
  done: number;
  /** Failed issues, those that failed without running because a blocker failed included. */
  failed: number;
  /** Issues that failed without running because their blocker failed (`issue:blocked-failed`). */
  blockedFailed: number;
  /** Issues left waiting at the end on a blocker that failed (onBlockerFailure `wait`); set by the workload. */
  leftWaiting: number;
  /** Arrival → final outcome (done or failed), per finished issue. */
  latencies: ValueSample;
  /** Arrival → start of the issue's first session. */
  queueWaits: ValueSample;
  /** Every ended session's duration. */
  sessionDurations: ValueSample;
  /** Per finished issue, its arrival and the summed durations of its sessions, folded into the makespan's lower bound. */
  makespan: MakespanBound;
  outcomes: Record<SessionOutcome, number>;
  peakRunning: number;
  distinctWorkers: number;
  scaleOperations: { at: number; direction: 'up' | 'down'; from: number; to: number }[];
  backpressureActivations: number;
  stalls: number;
  worstHealth: HealthStatus;
  /** At most 2 × SAMPLE_LIMIT: past that, neighbours are merged in pairs as `downsample` merges them. */
  samples: TimelineSample[];
  integrals: Integrals;
  /** Time of the last final outcome (the makespan's end); 0 when nothing finished. */
  endAt: number;
  /** Moves of the adaptive concurrency (rate limits), and the lowest limit it reached. */
  concurrency: { changes: number; lowest: number | null };
}

export interface ObserverOptions {
  /** Clock time of the first arrival: scenario time 0. */
  origin: number;
  /** Scenario ms per clock ms: 1 in simulation, 1 / timeScale in process mode. */
  stretch: number;
  minWorkers: number;
  maxWorkers: number;
  /** Issues in the system according to the store (backlog + queued + running). */
  storeWip: () => number;
  /**
   * Sessions running, from the coordinator. Events are not enough: a session
   * ending can start the next one (through a recycled worker) before its own
   * `session:ended` is emitted, so counting events would overshoot by one.
   */
  running: () => number;
  /** Called after each issue reaches its final outcome. */
  onFinal?: (o: { finished: number; done: number; failed: number; running: number }) => void;
  /** The workload's dependency chains, by issue id (none when absent). */
  chains?: ChainsById;
}

interface IssueTrack {
  arrival: number;
  started: boolean;
  work: number;
}

/** Health checks kept one by one; a longer run keeps them merged in pairs (a chart shows at most a few hundred points). */
export const SAMPLE_LIMIT = 8192;

/** Each pair of neighbours as one sample: the later one's time and done count, the larger of each level. */
export function mergePairs(samples: readonly TimelineSample[]): TimelineSample[] {
  const out: TimelineSample[] = [];
  for (let i = 0; i + 1 < samples.length; i += 2) {
    const a = samples[i] as TimelineSample;
    const b = samples[i + 1] as TimelineSample;
    out.push({ at: b.at, workers: Math.max(a.workers, b.workers), busy: Math.max(a.busy, b.busy), queueDepth: Math.max(a.queueDepth, b.queueDepth), waiting: Math.max(a.waiting, b.waiting), done: b.done });
  }
  if (samples.length % 2 === 1) out.push({ ...(samples[samples.length - 1] as TimelineSample) });
  return out;
}

const HEALTH_RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/**
 * Records a run from the coordinator's events, in O(1) per event. Counts
 * that vary over time (workers, busy, issues in the system) are integrated
 * exactly between events, never sampled.
 */
export interface Observer {
  /** `count` issues arrive at clock time `at` (they are in the system from then on). */
  arrive(count: number, at: number): void;
  /**
   * Issues that arrived earlier (clock time `arrivedAt(i)` for `ids[i]`) are
   * handed to the coordinator now, by `submit`. Only these are tracked one
   * by one, so issues still waiting at the source cost nothing.
   */
  handOver(ids: readonly string[], arrivedAt: (i: number) => number, submit: () => void): void;
  /** Close the integrals at the last outcome and return the record. */
  finish(): Observation;
  off(): void;
}

/** An observation of nothing: the start of every run, and a base for tests. */
export function emptyObservation(): Observation {
  return {
    issuesArrived: 0,
    done: 0,
    failed: 0,
    blockedFailed: 0,
    leftWaiting: 0,
    latencies: new ValueSample(),
    queueWaits: new ValueSample(),
    sessionDurations: new ValueSample(),
    makespan: new MakespanBound(),
    outcomes: Object.fromEntries(SESSION_OUTCOMES.map((k) => [k, 0])) as Record<SessionOutcome, number>,
    peakRunning: 0,
    distinctWorkers: 0,
    scaleOperations: [],
    backpressureActivations: 0,
    stalls: 0,
    worstHealth: 'healthy',
    samples: [],
    integrals: { workerMs: 0, busyMs: 0, wipMs: 0, underMs: 0, overMs: 0 },
    endAt: 0,
    concurrency: { changes: 0, lowest: null },
  };
}

export function observe(events: EventBus, options: ObserverOptions): Observer {
  const time = (at: number) => (at - options.origin) * options.stretch;
  const o = emptyObservation();
  const issues = new Map<string, IssueTrack>();
  const workers = new Set<string>();
  // Live workers, sessions running, issues arrived and not final (from
  // events), issues in the system (from the store), time integrated up to.
  let pool = 0;
  let running = 0;
  let inSystem = 0;
  let wip = 0;
  let last = 0;
  // With chains: which issues wait for a blocker (no demand, in no queue), and the critical path.
  const chains = options.chains ? new ChainWatch(options.chains) : null;
  const blocked = (): number => chains?.blocked ?? 0;

  /** An issue reached its final outcome at scenario time `at`. */
  const final = (issueId: string, status: 'done' | 'failed', at: number): void => {
    inSystem--;
    if (status === 'done') o.done++;
    else o.failed++;
    o.endAt = at;
    const track = issues.get(issueId);
    if (track) {
      o.latencies.add(at - track.arrival);
      const pathEnd = chains ? chains.finish(issueId, status === 'done', at, track.arrival, track.work) : track.arrival + track.work;
      o.makespan.add(track.arrival, track.work, pathEnd);
      issues.delete(issueId);
    }
    options.onFinal?.({ finished: o.done + o.failed, done: o.done, failed: o.failed, running });
  };

  const advance = (t: number): void => {
    const dt = t - last;
    if (dt <= 0) return;
    const g = o.integrals;
    g.workerMs += pool * dt;
    g.busyMs += running * dt;
    g.wipMs += wip * dt;
    const ideal = Math.min(options.maxWorkers, Math.max(options.minWorkers, inSystem - blocked()));
    if (pool < ideal) g.underMs += dt;
    else if (pool > ideal) g.overMs += dt;
    last = t;
  };

  const offs = [
    events.on('pool:added', (e) => (advance(time(e.at)), pool++)),
    events.on('pool:retired', (e) => (advance(time(e.at)), pool--)),
    events.on('session:started', (e) => {
      advance(time(e.at));
      running = options.running();
      if (running > o.peakRunning) o.peakRunning = running;
      workers.add(e.workerId);
      const track = issues.get(e.issueId);
      if (track && !track.started) {
        track.started = true;
        // A dependent waits for a worker from when its blocker was done, not from its arrival.
        o.queueWaits.add(time(e.at) - (chains ? chains.readySince(e.issueId, track.arrival) : track.arrival));
      }
    }),
    events.on('session:ended', (e) => {
      const at = time(e.at);
      advance(at);
      running = options.running();
      o.outcomes[e.outcome]++;
      const duration = e.durationMs * options.stretch;
      o.sessionDurations.add(duration);
      const track = issues.get(e.issueId);
      if (track) track.work += duration;
      wip = options.storeWip();
      if (e.issueStatus === 'done' || e.issueStatus === 'failed') final(e.issueId, e.issueStatus, at);
    }),
    events.on('issue:blocked-failed', (e) => {
      const at = time(e.at);
      advance(at);
      o.blockedFailed++;
      wip = options.storeWip();
      final(e.issueId, 'failed', at);
    }),
    events.on('scale:up', (e) => o.scaleOperations.push({ at: time(e.at), direction: 'up', from: e.from, to: e.to })),
    events.on('scale:down', (e) => o.scaleOperations.push({ at: time(e.at), direction: 'down', from: e.from, to: e.to })),
    events.on('backpressure:on', () => o.backpressureActivations++),
    events.on('concurrency:changed', (e) => {
      o.concurrency.changes++;
      if (o.concurrency.lowest === null || e.to < o.concurrency.lowest) o.concurrency.lowest = e.to;
    }),
    events.on('session:stalled', () => o.stalls++),
    events.on('health:checked', ({ at, metrics }) => {
      advance(time(at));
      if (HEALTH_RANK[metrics.health] > HEALTH_RANK[o.worstHealth]) o.worstHealth = metrics.health;
      o.samples.push({ at: time(at), workers: pool, busy: running, queueDepth: metrics.queueDepth, waiting: inSystem - running - blocked(), done: o.done });
      if (o.samples.length >= 2 * SAMPLE_LIMIT) o.samples = mergePairs(o.samples);
    }),
  ];

  return {
    arrive(count, at) {
      advance(time(at));
      inSystem += count;
      o.issuesArrived += count;
      wip = options.storeWip();
    },
    handOver(ids, arrivedAt, submit) {
      for (let i = 0; i < ids.length; i++) {
        issues.set(ids[i] as string, { arrival: time(arrivedAt(i)), started: false, work: 0 });
        chains?.arrived(ids[i] as string);
      }
      // Sessions may start inside submit(); they must find the arrival already recorded.
      submit();
      wip = options.storeWip();
    },
    finish() {
      advance(o.endAt);
      o.distinctWorkers = workers.size;
      o.samples.push({ at: o.endAt, workers: pool, busy: running, queueDepth: 0, waiting: inSystem - running - blocked(), done: o.done });
      return o;
    },
    off: () => offs.forEach((off) => off()),
  };
}
