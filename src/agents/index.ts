export type { SessionCallbacks, SessionExit, SessionHandle, SessionRunner, SessionSpec } from './types.js';
export { ProcessRunner, PROGRESS_COALESCE_MS, EXIT_FLUSH_MS, type ProcessRunnerOptions } from './process-runner.js';
export { LauncherRunner, createAgentRunner, type LauncherRunnerOptions } from './launcher/runner.js';
export { renderPrompt, PROMPT_PLACEHOLDERS, type PromptPlaceholder } from './prompt.js';
export { buildSessionEnv, toEnvValue, MAX_ENV_VALUE_BYTES, type SessionFiles } from './env.js';
export { CappedLogWriter, truncationNotice } from './log-writer.js';
export { isGroupAlive, killGroup, processMatches, type ProcessExpectation } from './process-group.js';
