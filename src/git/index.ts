/** The one git layer: async, argv only, each command in its own process group. Used by the workspaces and the merge queue. */
export { Git, GitError, firstLines, type GitWorktree } from './git.js';
export { gitRunner, runProgram, type GitOutput, type GitRunner } from './run.js';
export { canonical, isInside, samePath } from './paths.js';
