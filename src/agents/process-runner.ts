import { UsageError } from '../errors.js';
import { ProcessSession, type ProcessSessionOptions } from './process-session.js';
import type { SessionCallbacks, SessionHandle, SessionRunner, SessionSpec } from './types.js';

export { PROGRESS_COALESCE_MS, EXIT_FLUSH_MS } from './process-session.js';

export type ProcessRunnerOptions = ProcessSessionOptions;

/** Throws a UsageError when the agent command is missing. */
export function checkAgentCommand(command: readonly string[]): void {
  if (command.length === 0 || command[0] === '') {
    throw new UsageError('agent command is empty: set agent.command in the config or pass --agent');
  }
}

/**
 * Runs each session as a real child process in its own process group, so the
 * whole tree an agent starts can be stopped with one signal.
 */
export class ProcessRunner implements SessionRunner {
  constructor(private readonly options: ProcessRunnerOptions) {
    checkAgentCommand(options.command);
  }

  start(spec: SessionSpec, callbacks: SessionCallbacks): SessionHandle {
    const session = new ProcessSession(this.options, spec, callbacks);
    session.begin();
    return { pid: session.pid, pgid: session.pgid, kill: () => session.kill() };
  }
}

