import { existsSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { directoryProblem } from '../../text/input.js';
import type { CliIO } from '../io.js';
import { resolveStateConfig } from '../state.js';
import { missingStore } from '../state-path.js';

export interface DashboardCommandOptions extends Record<string, unknown> {
  io: CliIO;
  /** The state file; default: the configured one (`.harness/state.db`). */
  state?: string;
  config?: string;
  port?: string;
  host?: string;
  /** Let the page pause and resume dispatch, cancel sessions, retry failed issues and lift holds (with the token printed at start). */
  allowActions?: boolean;
}

const STATE_FILE = { what: 'state database', fix: 'pass --state <file>, the .db file `harness run` wrote (default .harness/state.db)' };

/**
 * `harness dashboard`: serve the live web dashboard of a state (a run in
 * progress, from another process, or a finished one) until interrupted.
 * Returns the exit code.
 */
export async function dashboardCommand(options: DashboardCommandOptions): Promise<number> {
  const { io } = options;
  const { config, shown, path } = await resolveStateConfig(io, options);
  const directory = directoryProblem(path, shown, STATE_FILE);
  if (directory) throw new UsageError(directory);
  if (!existsSync(path)) throw missingStore(shown, path, options.state !== undefined);
  const { serveDashboard } = await import('../../dashboard/serve.js');
  const dashboard = await serveDashboard({
    statePath: path,
    shownState: shown,
    port: options.port,
    ...(options.host !== undefined ? { host: options.host } : {}),
    allowActions: Boolean(options.allowActions),
    stallTimeoutMs: config.workerStallTimeoutMs,
  });
  try {
    for (const note of dashboard.notes) io.stdout.write(`${note}\n`);
    io.stdout.write('dashboard: press Ctrl-C to stop\n');
    await new Promise<void>((resolve) => {
      const off = io.onSignal(() => {
        off();
        resolve();
      });
    });
    return 0;
  } finally {
    await dashboard.close();
  }
}
