import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAgentRunner } from '../agents/launcher/runner.js';
import type { SessionRunner } from '../agents/types.js';
import { HarnessError } from '../errors.js';
import { realClock } from '../runtime/clock.js';
import { systemProcesses } from '../runtime/processes.js';
import type { ScalePolicy } from '../runtime/scale-manager.js';
import { openStore } from '../store/open.js';
import { scaleForProcessMode, type LoadTestConfig } from './config.js';
import type { RunRecord } from './results.js';
import { simulationDeadline } from './simulate.js';
import type { LoadTestSpec } from './spec.js';
import { startWorkload, type WorkloadOptions } from './workload.js';

/** From src/loadtest or dist/loadtest alike: the package root. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const LOADTEST_AGENT = join(PACKAGE_ROOT, 'examples', 'loadtest-agent.mjs');
/** The agent imports the compiled behaviour module from here. */
const COMPILED_BEHAVIOUR = join(PACKAGE_ROOT, 'dist', 'loadtest', 'behaviour.js');

/** Output kept per session log; the fake agent prints a line per progress tick. */
const LOG_MAX_BYTES = 64 * 1024;

export interface ProcessModeOptions {
  cwd: string;
  /** Real ms per scenario ms. */
  timeScale: number;
  policy?: ScalePolicy;
  bounds?: WorkloadOptions['bounds'];
  onFinal?: WorkloadOptions['onFinal'];
  signal?: AbortSignal;
}

/**
 * Process mode: the same coordinator with the real clock, a SQLite store in
 * a temporary directory, and one real child process per session (the fake
 * agent). Every duration is multiplied by the time scale (with the floors of
 * PROCESS_FLOORS_MS); results are converted back to scenario time. The
 * directory is removed and no session outlives the run.
 */
export async function runProcessMode(spec: LoadTestSpec, config: LoadTestConfig, options: ProcessModeOptions): Promise<RunRecord> {
  if (!existsSync(COMPILED_BEHAVIOUR)) {
    throw new HarnessError(`process mode needs the compiled package (${COMPILED_BEHAVIOUR} is missing): run \`npm run build\` first`);
  }
  const real = scaleForProcessMode(config, options.timeScale);
  const dir = mkdtempSync(join(tmpdir(), 'harness-load-test-'));
  let store: ReturnType<typeof openStore> | null = null;
  // The real clock's timers never keep Node alive; during a lull in the
  // ramp-up no child process does either.
  const release = realClock.keepAlive();
  let runner: SessionRunner | null = null;
  try {
    store = openStore(join(dir, 'state.db'));
    const agentParams = {
      seed: spec.seed,
      avgSessionDurationMs: spec.avgSessionDurationMs,
      sessionDurationVariance: spec.sessionDurationVariance,
      failureRate: spec.failureRate,
      stallRate: spec.stallRate,
      timeScale: options.timeScale,
      progressEveryMs: real.progressEveryMs,
    };
    // The runner `harness run` uses.
    runner = createAgentRunner({
      command: [process.execPath, LOADTEST_AGENT],
      promptTemplate: 'load-test issue {{id}}, attempt {{attempt}}',
      clock: realClock,
      killGraceMs: real.killGraceMs,
      logMaxBytes: LOG_MAX_BYTES,
      heartbeatDir: join(dir, 'sessions'),
      env: { PATH: process.env.PATH, HARNESS_LOADTEST: JSON.stringify(agentParams) },
    });
    const { coordinator, done } = await startWorkload({
      spec,
      config: real,
      clock: realClock,
      store,
      runner,
      cwd: options.cwd,
      timeScale: options.timeScale,
      processes: systemProcesses,
      ...(options.policy ? { policy: options.policy } : {}),
      ...(options.bounds ? { bounds: options.bounds } : {}),
      ...(options.onFinal ? { onFinal: options.onFinal } : {}),
    });
    let complete = true;
    const stop = () => {
      complete = false;
      coordinator.stop(true);
    };
    const guard = realClock.setTimeout(stop, Math.max(60_000, simulationDeadline(spec, real, options.timeScale)));
    options.signal?.addEventListener('abort', stop, { once: true });
    if (options.signal?.aborted) stop();
    try {
      const { summary, observation } = await done;
      return { summary, observation, complete: complete && !summary.interrupted };
    } finally {
      guard.cancel();
      options.signal?.removeEventListener('abort', stop);
    }
  } finally {
    await runner?.close?.();
    release();
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
