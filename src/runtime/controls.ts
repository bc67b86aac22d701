/**
 * The running coordinator's side of operators' requests (the dashboard's
 * actions, src/core/controls.ts). They arrive through the store, so the
 * one asking may be another process: at every health check, and on a
 * short timer, the run takes what is pending, decides what each means for
 * the run as it is now (`decideControl`, pure), feeds the reducer the
 * event (or retries the issue through the store and refreshes the queue),
 * and answers each request with what came of it.
 */
import type { HarnessEvents } from '../core/events.js';
import type { EventBus } from '../core/events.js';
import type { RunEvent } from '../core/run/protocol.js';
import { HOLD_KINDS, type HoldKind, type RunState } from '../core/run/state.js';
import type { Answering, Claims, Controls, Intake } from '../store/ports.js';
import type { ControlRequestRow, RetryResult } from '../store/types.js';
import type { Clock, TimerHandle } from './clock.js';
import type { Engine } from './engine.js';
import { isPromise } from './engine-ports.js';

export type ControlDecision =
  | { kind: 'event'; event: RunEvent; result: string }
  | { kind: 'retry'; issueId: string }
  | { kind: 'refuse'; result: string };

/** What a request means for the run as it is now: an event for the reducer, a retry, or a refusal saying why. */
export function decideControl(request: ControlRequestRow, s: RunState, runStartedAt: number): ControlDecision {
  const by = request.requestedBy;
  if (request.requestedAt < runStartedAt) return { kind: 'refuse', result: 'not done: it was posted before this run started' };
  if (s.phase === 'finished') return { kind: 'refuse', result: 'not done: the run has ended' };
  const target = request.target;
  switch (request.kind) {
    case 'pause':
      if (s.holds.has('paused')) return { kind: 'refuse', result: 'dispatch is already paused' };
      return { kind: 'event', event: { type: 'pause', reason: `paused from ${by}` }, result: 'paused dispatch: running sessions go on, no new one starts' };
    case 'resume':
      if (!s.holds.has('paused')) return { kind: 'refuse', result: 'dispatch is not paused' };
      return { kind: 'event', event: { type: 'lift-hold', kind: 'paused', by: `resumed from ${by}` }, result: 'resumed dispatch' };
    case 'lift-hold': {
      if (!isHoldKind(target) || !s.holds.has(target)) return { kind: 'refuse', result: `no ${JSON.stringify(target)} hold is on` };
      return { kind: 'event', event: { type: 'lift-hold', kind: target, by: `lifted from ${by}` }, result: `lifted the ${target} hold` };
    }
    case 'cancel-session': {
      const session = target === null ? undefined : s.sessions.get(target);
      if (!session?.issue || session.phase === 'handing-off') return { kind: 'refuse', result: `no running session ${JSON.stringify(target)} to cancel` };
      return {
        kind: 'event',
        event: { type: 'cancel-session', sessionId: session.id, by: `from ${by}` },
        result: `cancelled session ${session.id} of issue ${session.issue.id}: its issue goes back to the queue without spending an attempt`,
      };
    }
    case 'retry-issue':
      if (target === null) return { kind: 'refuse', result: 'no issue named to retry' };
      return { kind: 'retry', issueId: target };
  }
}

function isHoldKind(value: string | null): value is HoldKind {
  return value !== null && (HOLD_KINDS as readonly string[]).includes(value);
}

export interface ControlDeskPorts {
  /** Answered at once (SQLite) or with promises (a fleet's PostgreSQL): requests are applied in the order taken either way. */
  store: Answering<Controls & Pick<Intake, 'retryIssues'> & Pick<Claims, 'queueView'>>;
  engine: Engine;
  clock: Clock;
  events: EventBus;
  /** Take requests this often besides each health check (ms); 0 for health checks only. */
  pollMs: number;
  /** When this run started: requests posted before are refused, not applied to a run nobody meant. */
  runStartedAt: number;
}

/** Takes pending requests at each health check and every `pollMs`, and applies them. */
export class ControlDesk {
  private timer: TimerHandle | null = null;
  private off: (() => void) | null = null;

  constructor(private readonly ports: ControlDeskPorts) {}

  start(): void {
    if (this.off) return;
    const onCheck = (_: HarnessEvents['health:checked']) => this.takePending();
    this.off = this.ports.events.on('health:checked', onCheck);
    if (this.ports.pollMs > 0) this.timer = this.ports.clock.setInterval(() => this.takePending(), this.ports.pollMs);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
    this.off?.();
    this.off = null;
  }

  /** Take every pending request and apply it, answering each. A store that fails stops the run, as any write does. */
  takePending(): void {
    const { store, engine, clock } = this.ports;
    if (engine.failure !== null || this.taking) return;
    const now = clock.now();
    let taken: ControlRequestRow[] | Promise<ControlRequestRow[]>;
    try {
      taken = store.takeControls(now);
    } catch (error) {
      return engine.fail('take control requests', error);
    }
    if (!isPromise(taken)) return void this.applyAll(taken, now);
    // One take at a time: a poll while the last take's answers are on their way waits for the next.
    this.taking = true;
    taken
      .then((requests) => this.applyAll(requests, now))
      .catch((error: unknown) => engine.fail('take control requests', error))
      .finally(() => (this.taking = false));
  }

  private taking = false;

  private async applyAll(requests: readonly ControlRequestRow[], now: number): Promise<void> {
    const { store, engine, clock } = this.ports;
    for (const request of requests) {
      const answer = this.apply(request, now);
      const { applied, result } = isPromise(answer) ? await answer : answer;
      engine.guard('answer a control request', () => store.answerControl(request.id, { at: clock.now(), applied, result }));
    }
  }

  private apply(request: ControlRequestRow, now: number): { applied: boolean; result: string } | Promise<{ applied: boolean; result: string }> {
    const { store, engine } = this.ports;
    const decision = decideControl(request, engine.state, this.ports.runStartedAt);
    if (decision.kind === 'refuse') return { applied: false, result: decision.result };
    if (decision.kind === 'event') {
      engine.feed(decision.event);
      return { applied: true, result: decision.result };
    }
    const failed = (error: unknown) => {
      engine.fail('retry an issue', error);
      return { applied: false, result: `not done: ${error instanceof Error ? error.message : String(error)}` };
    };
    const id = JSON.stringify(decision.issueId);
    const judge = (retried: RetryResult) => {
      if (retried.unknown.length > 0) return { applied: false, result: `no issue ${id}` };
      const notFailed = retried.notFailed[0];
      if (notFailed) return { applied: false, result: `issue ${id} is ${notFailed.status}, not failed: only failed issues can be retried` };
      // The issue is back in the backlog: the reducer admits and dispatches it from the queue's new view.
      const view = store.queueView(now);
      if (isPromise(view)) view.then((v) => engine.feed({ type: 'queue', view: v }), (error: unknown) => engine.fail('read the queue', error));
      else engine.feed({ type: 'queue', view });
      return { applied: true, result: `issue ${id} is back in the queue with a fresh budget of attempts` };
    };
    let retried: RetryResult | Promise<RetryResult>;
    try {
      retried = store.retryIssues([decision.issueId], now);
    } catch (error) {
      return failed(error);
    }
    return isPromise(retried) ? retried.then(judge, failed) : judge(retried);
  }
}
