import type { ScaleConfig } from './scale-config.js';

/**
 * Backpressure on intake, with hysteresis: it turns on when the queue holds
 * more than maxQueueDepth issues and off only once workers have drained it
 * to targetQueueDepth, so intake does not flap at the limit. It stops
 * admission; it never blocks the loop that drains the queue.
 */
export interface BackpressureState {
  active: boolean;
  /** Off → on transitions so far. */
  activations: number;
}

/** Whether `queueDepth` turns backpressure on or off (nextBackpressure's `changed`, without building its answer). */
export function backpressureFlips(state: BackpressureState, queueDepth: number, config: Pick<ScaleConfig, 'maxQueueDepth' | 'targetQueueDepth'>): boolean {
  return state.active ? queueDepth <= Math.min(config.targetQueueDepth, config.maxQueueDepth) : queueDepth > config.maxQueueDepth;
}

export function nextBackpressure(
  state: BackpressureState,
  queueDepth: number,
  config: Pick<ScaleConfig, 'maxQueueDepth' | 'targetQueueDepth'>,
): BackpressureState & { changed: 'on' | 'off' | null } {
  // A low-water mark above the high-water mark would turn backpressure on
  // and off on alternate checks; clamping it leaves a plain threshold.
  const lowWater = Math.min(config.targetQueueDepth, config.maxQueueDepth);
  if (!state.active && queueDepth > config.maxQueueDepth) {
    return { active: true, activations: state.activations + 1, changed: 'on' };
  }
  if (state.active && queueDepth <= lowWater) {
    return { active: false, activations: state.activations, changed: 'off' };
  }
  return { active: state.active, activations: state.activations, changed: null };
}

/**
 * How many issues intake may admit now. Issues are admitted while the depth
 * is at most maxQueueDepth, so from depth d there is room for
 * maxQueueDepth + 1 − d; none while backpressure is on.
 */
export function admissionRoom(
  queueDepth: number,
  active: boolean,
  config: Pick<ScaleConfig, 'maxQueueDepth'>,
): number {
  if (active) return 0;
  return Math.max(0, config.maxQueueDepth + 1 - queueDepth);
}
