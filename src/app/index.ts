/** Assembly: the parts of a run wired together from a resolved config (the composition root of `harness run`). */
export { prepareRun, type PreparedRun, type RunIO, type RunOptions } from './run.js';
export { finishedStateNote, freshState, retryFailed, shownId } from './run-state.js';
