/**
 * What a load-test session does, drawn from the spec's seed. The draw is a
 * pure function of (seed, issue id, attempt), so the simulated runner and
 * the process-mode fake agent (examples/loadtest-agent.mjs, which imports
 * the compiled form of this file) give the same session the same fate, and
 * the order in which sessions happen to start cannot change any draw.
 *
 * This module imports nothing, so a freshly spawned agent loads it quickly.
 */

/** The parts of a load-test spec that decide one session's behaviour. */
export interface BehaviourParams {
  /** Seed of the run (an unsigned 32-bit integer). */
  seed: number;
  /** Mean session duration (ms). */
  avgSessionDurationMs: number;
  /** Durations are spread uniformly over mean × (1 ± variance); in [0, 1]. */
  sessionDurationVariance: number;
  /** Share of non-stalling sessions that exit non-zero; in [0, 1]. */
  failureRate: number;
  /** Share of sessions that go silent and never exit on their own; in [0, 1]. */
  stallRate: number;
}

export interface SessionBehaviour {
  /** How long the session works before it exits (ms of scenario time). */
  durationMs: number;
  /** Exits 1 at the end instead of 0. */
  fails: boolean;
  /** Stops reporting progress at once and never exits until killed. */
  stalls: boolean;
}

/** No session is shorter than this share of the mean, however large the variance. */
export const MIN_DURATION_SHARE = 0.05;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Continue a 32-bit FNV-1a hash over the four bytes of an unsigned 32-bit integer. */
function hashInt(hash: number, value: number): number {
  for (let shift = 0; shift < 32; shift += 8) hash = Math.imul(hash ^ ((value >>> shift) & 0xff), FNV_PRIME);
  return hash;
}

/** Continue a 32-bit FNV-1a hash over a string's UTF-16 code units. */
function hashText(hash: number, text: string): number {
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
  return hash;
}

/**
 * The k-th output (k ≥ 1) of mulberry32 started from `state`, as a uniform in
 * [0, 1). mulberry32 is a counter-based generator (its state only advances
 * by a constant), so any output can be computed directly.
 */
function mulberry32(state: number, k: number): number {
  const counter = (state + k * 0x6d2b79f5) >>> 0;
  let t = Math.imul(counter ^ (counter >>> 15), counter | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * The behaviour of attempt `attempt` of issue `issueId`. Three uniforms are
 * drawn in a fixed order: the stall draw, the failure draw, the duration
 * draw. A session stalls when the first is below stallRate; otherwise it
 * fails when the second is below failureRate, so a rate of 0 never fires and
 * a rate of 1 always does. Duration = mean × (1 + variance × u) with u
 * uniform in [−1, 1], rounded to a millisecond and never below
 * MIN_DURATION_SHARE × mean (nor below 1 ms).
 */
export function drawBehaviour(params: BehaviourParams, issueId: string, attempt: number): SessionBehaviour {
  const state = hashInt(hashText(hashInt(FNV_OFFSET, params.seed), issueId), attempt) >>> 0;
  const stallDraw = mulberry32(state, 1);
  const failDraw = mulberry32(state, 2);
  const u = mulberry32(state, 3) * 2 - 1;
  const mean = params.avgSessionDurationMs;
  const floor = Math.max(1, Math.round(mean * MIN_DURATION_SHARE));
  const durationMs = Math.max(floor, Math.round(mean * (1 + params.sessionDurationVariance * u)));
  const stalls = stallDraw < params.stallRate;
  return { durationMs, stalls, fails: !stalls && failDraw < params.failureRate };
}

/**
 * The jitter of a session's `n`-th wait after a 429 (n ≥ 1), in [0.5, 1):
 * drawn after the three draws above, so a rate limit leaves a session's
 * stall, failure and duration as they were.
 */
export function drawRetryJitter(params: Pick<BehaviourParams, 'seed'>, issueId: string, attempt: number, n: number): number {
  const state = hashInt(hashText(hashInt(FNV_OFFSET, params.seed), issueId), attempt) >>> 0;
  return 0.5 + 0.5 * mulberry32(state, 3 + n);
}

/**
 * A uniform in [0, 1) from (seed, label): for draws of the workload itself
 * (where its chains fall), kept apart from every session's draws by a label
 * no issue id has.
 */
export function drawWorkload(params: Pick<BehaviourParams, 'seed'>, label: string): number {
  return mulberry32(hashText(hashInt(FNV_OFFSET, params.seed), `workload:${label}`) >>> 0, 1);
}
