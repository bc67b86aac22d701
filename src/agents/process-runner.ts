import { UsageError } from '../errors.js';
import { ProcessSession, type ProcessSessionOptions } from './process-session.js';
import { startResumable, type AgentRunOptions } from './resumable.js';
import { removeSessionFiles, sessionFilePrefix, sessionPaths, type SessionPaths } from './session-files.js';
import type { SessionCallbacks, SessionHandle, SessionRunner, SessionSpec } from './types.js';

export { PROGRESS_COALESCE_MS, EXIT_FLUSH_MS } from './process-session.js';

export type ProcessRunnerOptions = ProcessSessionOptions & AgentRunOptions;

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
  /** The session files written, per worker, removed by close(). */
  private readonly files = new Map<string, SessionPaths>();
  private readonly prefix = sessionFilePrefix();

  constructor(private readonly options: ProcessRunnerOptions) {
    checkAgentCommand(options.command);
  }

  start(spec: SessionSpec, callbacks: SessionCallbacks): SessionHandle {
    const paths = sessionPaths(this.options.heartbeatDir, this.prefix, spec.workerId);
    this.files.set(spec.workerId, paths);
    return startResumable(spec, callbacks, this.options, (runSpec, argv, output, runCallbacks) => {
      const session = new ProcessSession(this.options, runSpec, runCallbacks, paths, { argv, output });
      session.begin();
      return { pid: session.pid, pgid: session.pgid, kill: () => session.kill() };
    });
  }

  /** Remove the session files (call once no session runs). */
  async close(): Promise<void> {
    removeSessionFiles(this.files.values());
    this.files.clear();
  }
}

