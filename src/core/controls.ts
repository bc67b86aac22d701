/**
 * What an operator may ask a running harness to do from outside it (the
 * dashboard's actions): each request names its kind and, for some kinds,
 * what it is about. Requests travel through the store, so the one asking
 * may be another process.
 *
 * | kind             | target         | what the run does                                          |
 * |------------------|----------------|------------------------------------------------------------|
 * | `pause`          | —              | puts the fleet on a `paused` hold: nothing new starts       |
 * | `resume`         | —              | lifts the `paused` hold                                     |
 * | `cancel-session` | a session id   | stops that session; its issue goes back to the queue free  |
 * | `retry-issue`    | an issue id    | a failed issue goes back to the queue, fresh attempts      |
 * | `lift-hold`      | a hold's kind  | lifts that hold (a usage limit, a circuit breaker, …)       |
 */
export const CONTROL_KINDS = ['pause', 'resume', 'cancel-session', 'retry-issue', 'lift-hold'] as const;
export type ControlKind = (typeof CONTROL_KINDS)[number];

/** Kinds whose request names what it is about. */
export const TARGETED_CONTROLS: ReadonlySet<ControlKind> = new Set(['cancel-session', 'retry-issue', 'lift-hold']);

export function isControlKind(value: unknown): value is ControlKind {
  return typeof value === 'string' && (CONTROL_KINDS as readonly string[]).includes(value);
}
