import { emptyObservation, type Observation } from '../../src/loadtest/observe.js';
import type { RunRecord } from '../../src/loadtest/results.js';
import type { RunSummary } from '../../src/runtime/coordinator-types.js';

/** An observation with nothing in it but what a test sets. */
export function observation(extra: Partial<Observation> = {}): Observation {
  return { ...emptyObservation(), ...extra };
}

/** A RunRecord around `o`, with the final health the coordinator would report. */
export function record(o: Observation, health: RunSummary['metrics']['health'] = 'healthy'): RunRecord {
  const summary = { metrics: { health } } as unknown as RunSummary;
  return { summary, observation: o, complete: true };
}
