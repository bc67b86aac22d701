import { checkAgentCommand, type ProcessRunnerOptions } from '../process-runner.js';
import type { SessionCallbacks, SessionHandle, SessionRunner, SessionSpec } from '../types.js';
import { LauncherConnection } from './connection.js';
import type { LauncherInit } from './protocol.js';
import { closeSpareLaunchers, defaultLauncherCount, spawnLauncher, takeSpareLauncher } from './spare.js';

export interface LauncherRunnerOptions extends ProcessRunnerOptions {
  /** Launcher processes to spread sessions over. Default: 2, or 1 on a single CPU. */
  launchers?: number;
}

/** Extra time, beyond the kill grace, that close() waits for a launcher to exit. */
const CLOSE_SLACK_MS = 2000;

/**
 * Runs each session as a real child process in its own process group, like
 * ProcessRunner, but starts them from small launcher processes
 * (./child.ts) instead of from the harness itself: spawning from a large
 * process is slow and blocks its event loop, and reading every agent's
 * output there competes with the coordinator. Each session goes to the
 * launcher with the fewest running sessions. What the agent sees (arguments,
 * environment, files, stdin, process group, log) is the same.
 *
 * close() stops the launchers; call it when the run is over.
 */
export class LauncherRunner implements SessionRunner {
  private readonly connections: LauncherConnection[] = [];
  private readonly size: number;
  private readonly init: LauncherInit;

  constructor(private readonly options: LauncherRunnerOptions) {
    checkAgentCommand(options.command);
    this.size = Math.max(1, options.launchers ?? defaultLauncherCount());
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.env ?? process.env)) if (value !== undefined) env[key] = value;
    this.init = {
      type: 'init',
      command: options.command,
      promptTemplate: options.promptTemplate,
      killGraceMs: options.killGraceMs,
      logMaxBytes: options.logMaxBytes,
      heartbeatDir: options.heartbeatDir,
      env,
      ...(options.heartbeatPollMs !== undefined ? { heartbeatPollMs: options.heartbeatPollMs } : {}),
    };
  }

  start(spec: SessionSpec, callbacks: SessionCallbacks): SessionHandle {
    return this.pick().start(spec, callbacks);
  }

  /** Stop every launcher, and any spare one left unused (their sessions should have ended by now). */
  async close(): Promise<void> {
    const connections = this.connections.splice(0);
    const timeoutMs = this.options.killGraceMs + CLOSE_SLACK_MS;
    await Promise.all([...connections.map((c) => c.close(timeoutMs)), closeSpareLaunchers(timeoutMs)]);
  }

  private pick(): LauncherConnection {
    let best: LauncherConnection | undefined;
    for (const connection of this.connections) if (!best || connection.load < best.load) best = connection;
    if (best && (best.load === 0 || this.connections.length >= this.size)) return best;
    const connection = new LauncherConnection(takeSpareLauncher() ?? spawnLauncher(), this.init, this.options.clock, (dead) => {
      const index = this.connections.indexOf(dead);
      if (index !== -1) this.connections.splice(index, 1);
    });
    this.connections.push(connection);
    return connection;
  }
}
