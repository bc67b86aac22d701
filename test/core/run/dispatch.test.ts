import { describe, expect, it } from 'vitest';
import { actions, emitted, rules, run, state, view, worker, writes } from './builders.js';

describe('admission', () => {
  it.each([
    // backlog, queued, backpressure on, stopping → admit limit (null: none)
    [5, 0, false, false, 101],
    [5, 40, false, false, 61],
    [5, 100, false, false, 1],
    [5, 101, false, false, null], // over maxQueueDepth: backpressure turns on instead
    [0, 0, false, false, null],
    [5, 0, true, false, 101], // drained to the low-water mark: backpressure turns off, intake resumes
    [5, 20, true, false, null], // still above targetQueueDepth (10): stays on
    [5, 0, false, true, null],
  ])('backlog %i, queued %i, backpressure %s, stopping %s → admit %s', (backlog, queued, active, stopping, limit) => {
    const s = state({ view: view({ backlog, queued }) });
    s.backpressure = { active, activations: active ? 1 : 0 };
    s.stopping = stopping;
    const commands = run(s, [[{ type: 'queue', view: s.queue }, 1_000]]);
    const admit = commands.find((c) => c.type === 'admit');
    if (limit === null) expect(admit).toBeUndefined();
    else expect(admit).toEqual({ type: 'admit', limit, now: 1_000 });
  });

  it('turns backpressure on above maxQueueDepth, off at targetQueueDepth, counting the activation once', () => {
    const s = state({ view: view({ queued: 101 }) });
    const on = run(s, [[{ type: 'queue', view: s.queue }, 1_000]]);
    expect(emitted(on)).toContain('backpressure:on');
    expect(writes(on)).toContainEqual({ op: 'backpressure', at: 1_000, active: true, queueDepth: 101 });
    const off = run(s, [[{ type: 'queue', view: view({ queued: 10, backlog: 3 }) }, 2_000]]);
    expect(emitted(off)).toContain('backpressure:off');
    expect(off.find((c) => c.type === 'admit')).toEqual({ type: 'admit', limit: 91, now: 2_000 });
    expect(s.backpressure).toEqual({ active: false, activations: 1 });
  });

  it('claims only once the admission is answered, then one claim per free worker', () => {
    const s = state({ workers: [worker('worker-1'), worker('worker-2'), worker('worker-3')], view: view({ backlog: 2 }) });
    expect(actions(run(s, [[{ type: 'queue', view: s.queue }, 1_000]])).map((c) => c.type)).toEqual(['admit']);
    const after = run(s, [[{ type: 'admitted', count: 2, view: view({ queued: 2 }) }, 1_000]]);
    expect(emitted(after)).toContain('issue:admitted');
    expect(actions(after)).toEqual([
      { type: 'claim', workerId: 'worker-1', now: 1_000 },
      { type: 'claim', workerId: 'worker-2', now: 1_000 },
    ]);
  });
});

describe('dispatch', () => {
  it('gives work to the oldest free workers first, and none to a worker at its quota', () => {
    const s = state({
      rules: rules({ scale: { maxSessionsPerWorker: 2 } }),
      workers: [worker('worker-1', { sessionsRun: 2 }), worker('worker-2', { sessionsRun: 1 }), worker('worker-3'), worker('worker-4')],
      view: view({ queued: 2 }),
    });
    const claims = actions(run(s, [[{ type: 'queue', view: s.queue }, 5]])).filter((c) => c.type === 'claim');
    expect(claims.map((c) => c.type === 'claim' && c.workerId)).toEqual(['worker-2', 'worker-3']);
  });

  it('counts claims in flight against the queue, and never claims twice for one worker', () => {
    const s = state({ workers: [worker('worker-1'), worker('worker-2')], view: view({ queued: 5 }) });
    const first = run(s, [[{ type: 'queue', view: s.queue }, 0]]).filter((c) => c.type === 'claim');
    const again = run(s, [[{ type: 'release-intake' }, 0]]).filter((c) => c.type === 'claim');
    expect(first).toHaveLength(2);
    expect(again).toHaveLength(0);
    expect(s.claimsInFlight).toBe(2);
  });

  it('stops claiming when a claim comes back empty, until the queue changes', () => {
    const s = state({ workers: [worker('worker-1'), worker('worker-2')], view: view({ queued: 1 }, 50_000) });
    run(s, [[{ type: 'queue', view: s.queue }, 0]]);
    const empty = run(s, [[{ type: 'claimed', workerId: 'worker-1', sessionId: 's1', at: 0, issue: null, view: view({ queued: 1 }, 50_000) }, 0]]);
    expect(empty.filter((c) => c.type === 'claim')).toHaveLength(0);
    expect(s.drained).toBe(true);
    // The backoff ends: the wake-up clears it.
    expect(s.retryWakeAt).toBe(50_000);
    const woke = run(s, [[{ type: 'timer', key: 'retry' }, 50_000]]);
    expect(woke.filter((c) => c.type === 'claim')).toHaveLength(1);
  });

  it.each([
    // now, next retry at, armed wake-up → timer at (null: no new timer)
    [1_000, 5_000, null, 5_000],
    [1_000, 5_000, 4_000, null], // an earlier wake-up is already set
    [1_000, 5_000, 6_000, 5_000],
    [1_000, 1_000, null, 1_001], // already due (a timer fired early): wake in 1 ms
    [1_000, null, null, null],
  ])('at %i with a retry due at %s and a wake-up at %s, wakes at %s', (now, nextRetryAt, armed, at) => {
    const s = state({ workers: [worker('worker-1')], view: view({}, nextRetryAt) });
    s.retryWakeAt = armed;
    const timer = run(s, [[{ type: 'queue', view: s.queue }, now]]).find((c) => c.type === 'set-timer');
    if (at === null) expect(timer).toBeUndefined();
    else expect(timer).toEqual({ type: 'set-timer', key: 'retry', at });
  });

  it('before run(), admits but starts nothing', () => {
    const s = state({ phase: 'new', workers: [worker('worker-1')], view: view({ backlog: 3 }) });
    const init = run(s, [[{ type: 'initialized', view: view({ backlog: 3 }) }, 0]]);
    expect(actions(init).map((c) => c.type)).toEqual(['admit']);
    const after = run(s, [[{ type: 'admitted', count: 3, view: view({ queued: 3 }) }, 0]]);
    expect(after.filter((c) => c.type === 'claim')).toHaveLength(0);
    expect(s.phase).toBe('ready');
  });
});

describe('run()', () => {
  it('reads the queue afresh before it dispatches: the store may have changed since initialize()', () => {
    const s = state({ phase: 'ready', workers: [worker('worker-1')], view: view({}) });
    expect(run(s, [[{ type: 'run' }, 5]])).toEqual([{ type: 'write', write: { op: 'refresh', now: 5 } }]);
    expect(s.phase).toBe('running');
    const fresh = run(s, [[{ type: 'queue', view: view({ backlog: 2 }) }, 6]]);
    expect(fresh.find((c) => c.type === 'admit')).toEqual({ type: 'admit', limit: 101, now: 6 });
  });
});

describe('the end of a run', () => {
  it.each([
    // counts, intake holds, stopping → finishes
    [{}, 0, false, true],
    [{ done: 3, failed: 1 }, 0, false, true],
    [{ queued: 1 }, 0, false, false],
    [{ backlog: 1 }, 0, false, false],
    [{ merging: 1 }, 0, false, false],
    [{}, 1, false, false],
    [{ queued: 4 }, 0, true, true],
  ])('counts %o, holds %i, stopping %s → finished %s', (counts, holds, stopping, finishes) => {
    const s = state({ view: view(counts) });
    s.intakeHolds = holds;
    s.stopping = stopping;
    if (stopping) s.backpressure = { active: true, activations: 1 };
    const commands = run(s, [[{ type: 'queue', view: s.queue }, 0]]);
    expect(commands.some((c) => c.type === 'finish')).toBe(finishes);
    expect(s.phase === 'finished').toBe(finishes);
  });

  it('does not finish while a session runs or a claim is in flight', () => {
    const s = state({ workers: [worker('worker-1')], view: view({ queued: 1 }) });
    run(s, [[{ type: 'queue', view: s.queue }, 0]]);
    expect(run(s, [[{ type: 'stop', force: false }, 0]]).some((c) => c.type === 'finish')).toBe(false);
    const answered = run(s, [[{ type: 'claimed', workerId: 'worker-1', sessionId: 's1', at: 0, issue: null, view: view() }, 0]]);
    expect(answered.some((c) => c.type === 'finish')).toBe(true);
  });
});
