export * from './clock.js';
export * from './worker-pool.js';
export * from './scale-manager.js';
export * from './coordinator.js';
export * from './coordinator-types.js';
export { systemProcesses } from './processes.js';
