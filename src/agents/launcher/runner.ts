import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { checkAgentCommand, type ProcessRunnerOptions } from '../process-runner.js';
import type { SessionCallbacks, SessionHandle, SessionRunner, SessionSpec } from '../types.js';
import { LauncherConnection } from './connection.js';
import type { LauncherInit } from './protocol.js';

export interface LauncherRunnerOptions extends ProcessRunnerOptions {
  /** Launcher processes to spread sessions over. Default: 2, or 1 on a single CPU. */
  launchers?: number;
}

/** Extra time, beyond the kill grace, that close() waits for a launcher to exit. */
const CLOSE_SLACK_MS = 2000;

/**
 * The launcher's compiled entry point. Next to this module in dist/; when this
 * module runs from its TypeScript source (the test suite), the build's copy.
 */
function launcherEntry(): string {
  const beside = fileURLToPath(new URL('./child.js', import.meta.url));
  if (existsSync(beside)) return beside;
  return fileURLToPath(new URL('../../../dist/agents/launcher/child.js', import.meta.url));
}

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
  private readonly entry = launcherEntry();

  constructor(private readonly options: LauncherRunnerOptions) {
    checkAgentCommand(options.command);
    this.size = Math.max(1, options.launchers ?? Math.min(2, availableParallelism()));
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

  /** Stop every launcher (their sessions should have ended by now). */
  async close(): Promise<void> {
    const connections = this.connections.splice(0);
    await Promise.all(connections.map((c) => c.close(this.options.killGraceMs + CLOSE_SLACK_MS)));
  }

  private pick(): LauncherConnection {
    let best: LauncherConnection | undefined;
    for (const connection of this.connections) if (!best || connection.load < best.load) best = connection;
    if (best && (best.load === 0 || this.connections.length >= this.size)) return best;
    const connection = new LauncherConnection(this.entry, this.init, this.options.clock, (dead) => {
      const index = this.connections.indexOf(dead);
      if (index !== -1) this.connections.splice(index, 1);
    });
    this.connections.push(connection);
    return connection;
  }
}
