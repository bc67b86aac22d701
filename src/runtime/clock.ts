/**
 * Time, injected. `Date.now()` and the global timers appear only in
 * `realClock`; everything else takes a Clock, which is what lets the load
 * test drive the real coordinator in virtual time.
 */
export interface TimerHandle {
  /** Cancel the timer; safe to call twice or after it fired. */
  cancel(): void;
}

export interface Clock {
  now(): number;
  /** Run `fn` once after `ms`. Real timers never keep the process alive. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Run `fn` every `ms`. Real timers never keep the process alive. */
  setInterval(fn: () => void, ms: number): TimerHandle;
  /** Resolve after `ms`. */
  sleep(ms: number): Promise<void>;
  /**
   * Keep the process alive until the returned function is called. Timers
   * never do; a run that is waiting (for a retry backoff, say) must.
   */
  keepAlive(): () => void;
}

/**
 * The longest delay Node's timers take: a longer one (about 24.8 days and
 * up) overflows and fires after 1 ms. Longer waits are made of steps of at
 * most this much.
 */
export const MAX_TIMER_STEP_MS = 2 ** 31 - 1;

/**
 * A timeout of any length on Node's timers, in steps of at most
 * MAX_TIMER_STEP_MS. Steps are counted on the timers' own clock (monotonic),
 * so a change of the wall clock neither shortens nor stretches the wait.
 */
function longTimeout(fn: () => void, ms: number, keepsAlive: boolean): { cancel(): void } {
  let left = Math.max(0, ms);
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const step = Math.min(left, MAX_TIMER_STEP_MS);
    timer = setTimeout(() => {
      left -= step;
      if (left > 0) arm();
      else fn();
    }, step);
    if (!keepsAlive) timer.unref();
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    return longTimeout(fn, ms, false);
  },
  setInterval(fn, ms) {
    const every = Math.max(1, ms);
    if (every <= MAX_TIMER_STEP_MS) {
      const t = setInterval(fn, every);
      t.unref();
      return { cancel: () => clearInterval(t) };
    }
    let cancelled = false;
    let current = { cancel: () => {} };
    const next = (): void => {
      current = longTimeout(() => {
        if (cancelled) return;
        next();
        fn();
      }, every, false);
    };
    next();
    return {
      cancel: () => {
        cancelled = true;
        current.cancel();
      },
    };
  },
  sleep(ms) {
    // A sleep someone awaits must keep the process alive, unlike the timers above.
    return new Promise((resolve) => longTimeout(resolve, ms, true));
  },
  keepAlive() {
    const t = setInterval(() => {}, 1 << 30);
    return () => clearInterval(t);
  },
};

/** A timer of the virtual clock, and its own handle: one object per timer. */
class Pending implements TimerHandle {
  cancelled = false;
  constructor(
    public at: number,
    public seq: number,
    readonly fn: () => void,
    readonly every: number | null,
  ) {}

  cancel(): void {
    this.cancelled = true;
  }
}

/**
 * A discrete-event clock: time moves only when told to, and timers fire in
 * (time, creation) order, synchronously. Used by tests and by the load
 * test's simulation mode. A binary heap keeps 10^6 pending timers cheap.
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private heap: Pending[] = [];

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.schedule(fn, Math.max(0, ms), null);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    const every = Math.max(1, ms);
    return this.schedule(fn, every, every);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** Virtual time has no process to keep alive. */
  keepAlive(): () => void {
    return () => {};
  }

  /** Number of timers waiting to fire. */
  get pending(): number {
    return this.heap.filter((p) => !p.cancelled).length;
  }

  /** Time of the next timer, or null when none is pending. */
  nextAt(): number | null {
    this.dropCancelled();
    return this.heap[0]?.at ?? null;
  }

  /** Fire the next timer (moving time to it). Returns false when none is pending. */
  step(): boolean {
    this.dropCancelled();
    const next = this.pop();
    if (!next) return false;
    this.current = Math.max(this.current, next.at);
    if (next.every !== null) {
      next.at = this.current + next.every;
      next.seq = this.seq++;
      this.push(next);
    }
    next.fn();
    return true;
  }

  /** Move time forward by `ms`, firing every timer due on the way. */
  advance(ms: number): void {
    this.advanceTo(this.current + ms);
  }

  advanceTo(time: number): void {
    for (;;) {
      this.dropCancelled();
      const head = this.heap[0];
      if (!head || head.at > time) break;
      this.step();
    }
    this.current = Math.max(this.current, time);
  }

  /**
   * Fire timers until `done()` is true or nothing is pending. Intervals make
   * "nothing pending" rare, so callers pass a stop condition; `maxTime`
   * guards against a run that never ends.
   */
  runUntil(done: () => boolean, maxTime = Number.POSITIVE_INFINITY): void {
    while (!done()) {
      const at = this.nextAt();
      if (at === null || at > maxTime) return;
      this.step();
    }
  }

  private schedule(fn: () => void, delay: number, every: number | null): TimerHandle {
    const entry = new Pending(this.current + delay, this.seq++, fn, every);
    this.push(entry);
    return entry;
  }

  private dropCancelled(): void {
    while (this.heap[0]?.cancelled) this.pop();
  }

  private less(a: Pending, b: Pending): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(entry: Pending): void {
    const heap = this.heap;
    heap.push(entry);
    // Sift up: move parents down into the hole until the entry's place is found.
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = heap[parent] as Pending;
      if (!this.less(entry, above)) break;
      heap[i] = above;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): Pending | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      // Sift down: move the smaller child up into the hole until `last` fits.
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) break;
        const r = l + 1;
        const child = r < heap.length && this.less(heap[r] as Pending, heap[l] as Pending) ? r : l;
        const below = heap[child] as Pending;
        if (!this.less(below, last)) break;
        heap[i] = below;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}
