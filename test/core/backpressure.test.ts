import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { admissionRoom, nextBackpressure, type BackpressureState } from '../../src/core/backpressure.js';

const config = { maxQueueDepth: 100, targetQueueDepth: 10 };
const off: BackpressureState = { active: false, activations: 0 };
const on: BackpressureState = { active: true, activations: 1 };

describe('nextBackpressure', () => {
  it.each<[string, BackpressureState, number, boolean, 'on' | 'off' | null]>([
    ['off, at the limit', off, 100, false, null],
    ['off, past the limit', off, 101, true, 'on'],
    ['on, still past the limit', on, 150, true, null],
    ['on, back at the limit', on, 100, true, null],
    ['on, between low and high water', on, 11, true, null],
    ['on, drained to the low-water mark', on, 10, false, 'off'],
    ['on, drained empty', on, 0, false, 'off'],
    ['off, between low and high water', off, 50, false, null],
  ])('%s', (_name, state, queueDepth, active, changed) => {
    expect(nextBackpressure(state, queueDepth, config)).toMatchObject({ active, changed });
  });

  // REFERENCE §1 item 7: activations count transitions, not checks.
  it('counts one activation however many checks see a full queue', () => {
    let state: BackpressureState = off;
    for (const depth of [101, 150, 200, 120, 101, 50]) state = nextBackpressure(state, depth, config);
    expect(state).toMatchObject({ active: true, activations: 1 });
    for (const depth of [10, 101]) state = nextBackpressure(state, depth, config);
    expect(state).toMatchObject({ active: true, activations: 2 });
  });

  it('does not flap when the low-water mark is misconfigured above the limit', () => {
    const bad = { maxQueueDepth: 100, targetQueueDepth: 200 };
    let state: BackpressureState = off;
    for (let i = 0; i < 5; i += 1) state = nextBackpressure(state, 150, bad);
    expect(state).toMatchObject({ active: true, activations: 1 });
  });

  it('activations equal the number of off → on changes over any sequence', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 250 }), { maxLength: 200 }), (depths) => {
        let state: BackpressureState = off;
        let ons = 0;
        for (const depth of depths) {
          const next = nextBackpressure(state, depth, config);
          if (!state.active && next.active) ons += 1;
          if ((next.changed === 'on') !== (!state.active && next.active)) return false;
          if ((next.changed === 'off') !== (state.active && !next.active)) return false;
          state = next;
        }
        return state.activations === ons;
      }),
    );
  });
});

describe('admissionRoom', () => {
  it.each([
    [0, false, 101],
    [99, false, 2],
    [100, false, 1],
    [101, false, 0],
    [500, false, 0],
    [0, true, 0],
    [50, true, 0],
  ])('depth %i, backpressure %s → room for %i', (queueDepth, active, expected) => {
    expect(admissionRoom(queueDepth, active, config)).toBe(expected);
  });

  it('admitting the full room takes the queue just past the limit, which turns backpressure on', () => {
    const depth = 40 + admissionRoom(40, false, config);
    expect(nextBackpressure(off, depth, config).changed).toBe('on');
  });
});
