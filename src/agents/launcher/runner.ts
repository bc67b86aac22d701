import { spawnSync } from 'node:child_process';
import { sessionEnvVars } from '../env.js';
import { truncationNotice } from '../log-writer.js';
import { checkAgentCommand, ProcessRunner, type ProcessRunnerOptions } from '../process-runner.js';
import { DEFAULT_HEARTBEAT_POLL_MS, EXIT_FLUSH_MS, PROGRESS_COALESCE_MS } from '../process-session.js';
import { renderPrompt } from '../prompt.js';
import type { AgentOutput } from '../agent-output.js';
import { startResumable } from '../resumable.js';
import { issueFileText, removeSessionFiles, sessionFilePrefix, sessionPaths, type SessionPaths } from '../session-files.js';
import type { SessionCallbacks, SessionHandle, SessionRunner, SessionSpec } from '../types.js';
import { defaultLauncherCount, launcherBinary } from './binary.js';
import { LauncherConnection } from './connection.js';
import type { LauncherInit, LauncherStart } from './protocol.js';

export interface LauncherRunnerOptions extends ProcessRunnerOptions {
  /** Launcher processes to spread sessions over. Default: 2, or 1 on a single CPU. */
  launchers?: number;
  /** The launcher executable; null for none. Default: the one the build compiled (launcherBinary()). */
  binary?: string | null;
  /**
   * Called with a function that reports a group of session events read
   * together from a launcher; wrap it to handle them as one unit (`harness
   * run` passes `(events) => store.batch(events)`: one transaction per group).
   */
  deliver?: (events: () => void) => void;
  /** Longest stdout line of a structured agent sent whole (default LINE_MAX_BYTES); longer ones count as progress by their size. */
  lineMaxBytes?: number;
}

/** Longest stdout line a launcher sends whole (larger ones are reported by their size, as progress). */
export const LINE_MAX_BYTES = 4 * 1024 * 1024;

/** Extra time, beyond the kill grace, that close() waits for a launcher to exit. */
const CLOSE_SLACK_MS = 2000;

/**
 * Runs each session as a real child process in its own process group, like
 * ProcessRunner, but starts them from small native launcher processes
 * (native/launcher.c) instead of from the harness itself. Starting a process
 * from Node.js copies the parent's page tables and blocks its event loop,
 * and reading every agent's output there competes with the coordinator; a
 * launcher starts agents with posix_spawn and does that reading in C, next
 * to the harness on the other core. Each session goes to the launcher with
 * the fewest running sessions. What the agent sees (arguments, environment,
 * files, stdin, process group, log) is the same as with ProcessRunner.
 *
 * close() stops the launchers; call it when the run is over.
 */
export class LauncherRunner implements SessionRunner {
  private readonly connections: LauncherConnection[] = [];
  /** The session files written, per worker, removed by close(). */
  private readonly files = new Map<string, SessionPaths>();
  private readonly prefix = sessionFilePrefix();
  private readonly size: number;
  private readonly binary: string;
  private readonly init: LauncherInit;

  constructor(private readonly options: LauncherRunnerOptions) {
    checkAgentCommand(options.command);
    const binary = options.binary === undefined ? launcherBinary() : options.binary;
    if (binary === null) throw new Error('the session launcher is not built (run `npm run build` with a C compiler installed)');
    this.binary = binary;
    this.size = Math.max(1, options.launchers ?? defaultLauncherCount());
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.env ?? process.env)) if (value !== undefined) env[key] = value;
    this.init = {
      command: options.command,
      killGraceMs: options.killGraceMs,
      logMaxBytes: options.logMaxBytes,
      heartbeatPollMs: options.heartbeatPollMs ?? DEFAULT_HEARTBEAT_POLL_MS,
      progressCoalesceMs: PROGRESS_COALESCE_MS,
      exitFlushMs: EXIT_FLUSH_MS,
      truncationNotice: truncationNotice(options.logMaxBytes),
      lineMaxBytes: options.lineMaxBytes ?? LINE_MAX_BYTES,
      env,
    };
  }

  start(spec: SessionSpec, callbacks: SessionCallbacks): SessionHandle {
    // The text format keeps the launcher's fast path: the init line's command, output read as progress, nothing sent back.
    if ((this.options.format ?? 'text') === 'text' && !this.options.argvFor) return this.pick().start(spec.sessionId, this.request(spec, [], null), callbacks);
    return startResumable(spec, callbacks, this.options, (runSpec, argv, output, runCallbacks) =>
      this.pick().start(runSpec.sessionId, this.request(runSpec, argv, output), runCallbacks, output),
    );
  }

  /** Stop every launcher (their sessions should have ended by now) and remove the session files. */
  async close(): Promise<void> {
    const connections = this.connections.splice(0);
    const timeoutMs = this.options.killGraceMs + CLOSE_SLACK_MS;
    await Promise.all(connections.map((c) => c.close(timeoutMs)));
    removeSessionFiles(this.files.values());
    this.files.clear();
  }

  /** The session's files, prompt and variables, rendered here as ProcessSession renders them. */
  private request(spec: SessionSpec, argv: readonly string[], output: AgentOutput | null): Omit<LauncherStart, 'key'> {
    const paths = sessionPaths(this.options.heartbeatDir, this.prefix, spec.workerId);
    this.files.set(spec.workerId, paths);
    return {
      cwd: spec.cwd,
      logPath: spec.logPath,
      issueFile: paths.issueFile,
      issueJson: issueFileText(spec.issue),
      heartbeatFile: paths.heartbeatFile,
      promptFile: paths.promptFile,
      prompt: renderPrompt(this.options.promptTemplate, spec.issue, spec.attempt),
      mode: output === null ? 'text' : 'structured',
      argv,
      env: sessionEnvVars(spec, paths),
    };
  }

  private pick(): LauncherConnection {
    let best: LauncherConnection | undefined;
    for (const connection of this.connections) if (!best || connection.load < best.load) best = connection;
    if (best && (best.load === 0 || this.connections.length >= this.size)) return best;
    const onDeath = (dead: LauncherConnection): void => {
      const index = this.connections.indexOf(dead);
      if (index !== -1) this.connections.splice(index, 1);
    };
    const connection = new LauncherConnection(this.binary, this.init, this.options.clock, onDeath, this.options.deliver);
    this.connections.push(connection);
    return connection;
  }
}

/**
 * Whether `binary` starts and exits cleanly at end of input, as the launcher
 * does: a binary built for another machine (node_modules copied over) or
 * damaged fails here, once, instead of failing every session.
 */
function launcherStarts(binary: string): boolean {
  const result = spawnSync(binary, [], { input: '', stdio: ['pipe', 'ignore', 'ignore'], timeout: 5000 });
  return result.status === 0;
}

/**
 * The runner for real agents: LauncherRunner when the launcher is built and
 * starts, otherwise ProcessRunner, which starts agents from the harness
 * itself (slower to start each one, the same for the agent).
 */
export function createAgentRunner(options: LauncherRunnerOptions): SessionRunner {
  const binary = options.binary === undefined ? launcherBinary() : options.binary;
  return binary !== null && launcherStarts(binary) ? new LauncherRunner({ ...options, binary }) : new ProcessRunner(options);
}
