/**
 * Fleet holds: what stops every new session at once, visibly, instead of
 * spending attempts on a failure every session would meet. While a hold is
 * on, admission goes on but no session starts; running ones finish. A
 * usage-limit hold waits for its reset (capped) and then lets one probe
 * session start: its success lifts the hold, a new limit re-arms it. An
 * operator's pause lifts when resumed. Every other hold ends the run with
 * exit 3 once nothing runs, saying what to fix.
 */
import type { Out } from './pool.js';
import type { Hold, HoldKind, RunState } from './state.js';

/** Holds that end the run (exit 3) once nothing is running; usage limits too with `onHold: stop`. */
export function endsTheRun(s: RunState, hold: Hold): boolean {
  if (hold.kind === 'paused' || hold.kind === 'tracker') return false;
  if (hold.kind === 'usage-limit') return s.rules.holds.onHold === 'stop';
  return true;
}

/** Whether a session may start now: no hold, or a probe of a usage-limit hold whose time is up (one at a time). */
export function mayStart(s: RunState): Readonly<{ ok: boolean; probe: boolean }> {
  if (s.holds.size === 0) return FREE;
  let probing = false;
  for (const hold of s.holds.values()) {
    // A tracker that does not answer holds intake, not the sessions of issues already taken.
    if (hold.kind === 'tracker') continue;
    if (!hold.probing) return HELD;
    probing = true;
  }
  if (!probing) return FREE;
  for (const session of s.sessions.values()) if (session.probe) return HELD;
  return PROBE;
}

// Asked before every claim: constant answers allocate nothing.
const FREE = Object.freeze({ ok: true, probe: false });
const HELD = Object.freeze({ ok: false, probe: false });
const PROBE = Object.freeze({ ok: true, probe: true });

/** Put the fleet on hold (or renew a hold of that kind with a new reason and end). */
export function hold(s: RunState, kind: HoldKind, reason: string, fix: string, until: number | null, now: number, out: Out): void {
  const existing = s.holds.get(kind);
  if (existing && existing.reason === reason && existing.until === until && !existing.probing) return;
  const wait = kind === 'usage-limit' ? probeAt(s, until, now) : null;
  const next: Hold = { kind, reason, fix, since: existing?.since ?? now, until, probing: false };
  s.holds.set(kind, next);
  out.push({ type: 'emit', name: 'hold:on', payload: { at: now, kind, reason, fix, until } });
  out.push({ type: 'write', write: { op: 'hold', kind, reason, fix, since: next.since, until } });
  if (wait !== null) out.push({ type: 'set-timer', key: 'hold', at: wait });
}

/** Lift the hold of `kind`; `by` says how (lifted by the operator, the reset, a probe that succeeded). */
export function liftHold(s: RunState, kind: HoldKind, by: string, now: number, out: Out): boolean {
  if (!s.holds.delete(kind)) return false;
  out.push({ type: 'emit', name: 'hold:off', payload: { at: now, kind, by } });
  out.push({ type: 'write', write: { op: 'hold-end', kind, at: now, by } });
  if (kind === 'usage-limit') out.push({ type: 'cancel-timer', key: 'hold' });
  return true;
}

/** The usage-limit hold's wait is over: let one probe session start. */
export function holdTimerFired(s: RunState): void {
  const limit = s.holds.get('usage-limit');
  if (limit) limit.probing = true;
}

/** When a usage-limit hold probes: at its reset time, but never later than maxWaitMs from now (and at once if the reset is past). */
function probeAt(s: RunState, until: number | null, now: number): number {
  const { maxWaitMs, probeEveryMs } = s.rules.holds;
  const at = until ?? now + probeEveryMs;
  return Math.max(now + 1, Math.min(at, now + maxWaitMs));
}

/** The holds as a summary reports them, oldest first. */
export function activeHolds(s: RunState): Hold[] {
  return [...s.holds.values()].sort((a, b) => a.since - b.since);
}
