/**
 * The gate a workload with chains sends its arrivals through: the Intake of
 * `harness run` itself (src/runtime/intake.ts), so an issue waits for its
 * blocker, fails when it fails ("blocked by X, which failed") or keeps
 * waiting (onBlockerFailure `wait`) exactly as in a real run. Only the
 * source differs: the load test's issues are offered as they arrive, never
 * listed.
 *
 * The intake decides asynchronously (each of its passes awaits its
 * source), while the simulation steps a virtual clock synchronously. So
 * after anything that may start a pass (an offer, an issue finishing), the
 * gate waits one turn of the event loop, by which every pass has run to
 * its end, and `settling()` hands the simulation that wait: the clock does
 * not move while the intake decides, as no time passes in a real one.
 */
import type { BlockerFailureMode } from '../core/dependencies.js';
import type { Clock } from '../runtime/clock.js';
import type { Coordinator } from '../runtime/coordinator.js';
import { Intake, type IntakeStore } from '../runtime/intake.js';
import type { BacklogIssue, Source } from '../sources/types.js';
import type { Store } from '../store/types.js';

/** A source that lists nothing: every issue is offered. A file's kind: nothing is claimed or reported. */
const ARRIVALS: Source = {
  kind: 'file',
  shown: "the load test's arrivals",
  tracked: false,
  list: async () => ({ issues: [], problems: [] }),
  claim: async () => true,
  report: async () => {},
  hasReport: async () => false,
  release: async () => {},
};

export interface ChainGateOptions {
  coordinator: Coordinator;
  store: IntakeStore & Pick<Store, 'countIssues'>;
  clock: Clock;
  onBlockerFailure: BlockerFailureMode;
  /** Called each time the intake has decided all it was given: the workload hands over more. */
  onSettled(): void;
}

export interface ChainGate {
  /** Issues that arrived, with their blockers. */
  offer(issues: readonly BacklogIssue[]): void;
  /** No more will be offered: the intake stops once each issue is handed over, failed or left waiting on a failed blocker. */
  allOffered(): void;
  /** The intake is still deciding (wait for this before moving a virtual clock), or null. */
  settling(): Promise<void> | null;
  /** Issues left waiting on a failed blocker when the intake stopped (mode `wait`). */
  leftWaiting(): number;
  /** What stopped the intake, if something did (the store failed): the run was stopped for it. */
  failure(): unknown;
  stop(): void;
}

/** One turn of the event loop: every promise chain already under way (an intake pass) has settled by then. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function startChainGate(o: ChainGateOptions): Promise<ChainGate> {
  const { coordinator } = o;
  let offered = 0;
  let submitted = 0;
  let blockedFailed = 0;
  let everything = false;
  let stopped = false;
  let left = 0;
  let settling: Promise<void> | null = null;
  let failure: unknown = null;

  const intake = new Intake({
    source: ARRIVALS,
    store: o.store,
    target: {
      submit: (issues) => {
        submitted += issues.length;
        coordinator.submit(issues);
      },
      holdIntake: () => coordinator.holdIntake(),
      trackerDown: (reason, fix) => coordinator.trackerDown(reason, fix),
      trackerUp: () => coordinator.trackerUp(),
    },
    events: coordinator.events,
    clock: o.clock,
    onBlockerFailure: o.onBlockerFailure,
    watchMs: null,
    // Read only with --watch; the same count `harness run` gives.
    workLeft: () => {
      const c = o.store.countIssues();
      return c.backlog + c.queued + c.running + c.merging;
    },
    keepOpen: true,
    // A source that lists nothing is never down: no retry is ever waited for.
    retryMs: 1000,
    window: null,
    say: () => {},
    fail: (error) => {
      failure = error;
      coordinator.stop(true);
    },
  });

  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    offs.forEach((off) => off());
    intake.stop();
  };

  /** After every issue was offered: stop once none is left at the intake but those a failed blocker keeps (mode wait). */
  const maybeStop = (): void => {
    if (!everything || stopped) return;
    const waiting = offered - submitted - blockedFailed;
    if (waiting === 0 || (o.onBlockerFailure === 'wait' && intake.stuck().length === waiting)) {
      left = waiting;
      stop();
    }
  };

  const kick = (): void => {
    if (settling || stopped) return;
    settling = nextTurn().then(() => {
      settling = null;
      maybeStop();
      if (!stopped) o.onSettled();
    });
  };

  const offs = [
    coordinator.events.on('issue:blocked-failed', () => blockedFailed++),
    // The intake starts a pass for an issue that finished; the next turn finds it decided.
    coordinator.events.on('session:ended', (e) => {
      if (e.issueStatus === 'done' || e.issueStatus === 'failed') kick();
    }),
  ];

  await intake.start([]);
  return {
    offer(issues) {
      offered += issues.length;
      intake.offer(issues);
      kick();
    },
    allOffered() {
      everything = true;
      kick();
    },
    settling: () => settling,
    leftWaiting: () => left,
    failure: () => failure,
    stop,
  };
}
