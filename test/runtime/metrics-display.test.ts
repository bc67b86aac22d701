import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SimulatedRunner } from '../../src/loadtest/sim-runner.js';
import { VirtualClock } from '../../src/runtime/clock.js';
import { Coordinator } from '../../src/runtime/coordinator.js';
import type { CoordinatorOptions, RunSummary } from '../../src/runtime/coordinator-types.js';
import { NO_PROCESSES } from '../../src/runtime/processes.js';
import { MemoryStore } from '../../src/store/memory/index.js';
import { REPO, guardProcesses, makeIO, tempDir, writeIssues } from '../helpers/cli.js';

const TABLE = /│ workers +│ queue +│ throughput/g;

function tables(text: string): number {
  return text.match(TABLE)?.length ?? 0;
}

/** A library Coordinator, as the seed builds one, running `n` one-second sessions in virtual time. */
async function runLibrary(n: number, options: Partial<CoordinatorOptions>): Promise<RunSummary> {
  const clock = new VirtualClock(1_000_000);
  const runner = new SimulatedRunner(clock, () => ({ durationMs: 1000, fails: false, stalls: false }), { progressEveryMs: 500 });
  const backlog = Array.from({ length: n }, (_, i) => ({ id: `I-${i + 1}`, title: 't', body: '', priority: 2, labels: [] }));
  const coordinator = new Coordinator(
    { issues: backlog, store: new MemoryStore(), runner },
    { cwd: '/tmp', clock, processes: NO_PROCESSES, lock: false, maxWorkers: 2, scaleConfig: { minWorkers: 2, maxWorkers: 2 }, ...options },
  );
  let summary: RunSummary | undefined;
  const done = coordinator.run().then((s) => (summary = s));
  await Promise.resolve();
  while (!summary && clock.step()) await Promise.resolve();
  await done;
  return summary!;
}

function collector() {
  let text = '';
  return { output: { write: (chunk: string) => (text += chunk) }, text: () => text };
}

afterEach(() => vi.restoreAllMocks());

describe('the Coordinator with enableScaleManager', () => {
  it('displays the metrics table after every 5 finished sessions, to its output', async () => {
    const out = collector();
    const summary = await runLibrary(12, { enableScaleManager: true, metricsOutput: out.output });
    expect(summary.issues.done).toBe(12);
    expect(tables(out.text())).toBe(2);
    expect(out.text()).toMatch(/│ \d+\/2 busy/);
  });

  it('writes to stdout when no output is given', async () => {
    const writes: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    await runLibrary(5, { enableScaleManager: true });
    vi.restoreAllMocks();
    expect(tables(writes.join(''))).toBe(1);
  });

  it('displays nothing with displayMetrics: false, or without enableScaleManager', async () => {
    const off = collector();
    await runLibrary(10, { enableScaleManager: true, displayMetrics: false, metricsOutput: off.output });
    expect(off.text()).toBe('');
    const unset = collector();
    await runLibrary(10, { metricsOutput: unset.output });
    expect(unset.text()).toBe('');
  });
});

describe('harness run, which has its own view', () => {
  const guard = guardProcesses();

  it('prints the table once when five sessions finish in a pipe: neither the coordinator nor the view repeats it', () => {
    const tmp = tempDir();
    guard.cleanups.push(tmp.cleanup);
    const t = makeIO(tmp.dir);
    guard.markers.push(t.marker);
    const file = writeIssues(tmp.dir, Array.from({ length: 5 }, (_, i) => ({ id: `I-${i + 1}`, title: 't' })));
    const result = spawnSync(process.execPath, [join(REPO, 'bin', 'harness.js'), 'run', '--issues', file, '--agent', 'true', '--min-workers', '1', '--max-workers', '1'], {
      cwd: tmp.dir,
      encoding: 'utf8',
      env: t.io.env,
      timeout: 20_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('all issues done');
    expect(tables(result.stdout)).toBe(1);
  });
});
