/** The pure decision core: no timers, no I/O; time is always a parameter. */
export * from './scale-config.js';
export * from './states.js';
export * from './scale.js';
export * from './health.js';
export * from './stalls.js';
export * from './quota.js';
export * from './backpressure.js';
export * from './metrics.js';
export * from './retry.js';
export * from './events.js';
export * from './metrics-types.js';
