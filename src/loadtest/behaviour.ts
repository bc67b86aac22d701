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

/** 32-bit FNV-1a of a string's UTF-16 code units. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32: a small, fast PRNG with a 32-bit state; returns uniforms in [0, 1). */
function mulberry32(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
  const next = mulberry32(fnv1a(`${params.seed >>> 0}:${issueId}:${attempt}`));
  const stallDraw = next();
  const failDraw = next();
  const u = next() * 2 - 1;
  const mean = params.avgSessionDurationMs;
  const floor = Math.max(1, Math.round(mean * MIN_DURATION_SHARE));
  const durationMs = Math.max(floor, Math.round(mean * (1 + params.sessionDurationVariance * u)));
  const stalls = stallDraw < params.stallRate;
  return { durationMs, stalls, fails: !stalls && failDraw < params.failureRate };
}
