import { describe, expect, it } from 'vitest';
import { TrackerError, UsageError } from '../../src/errors.js';
import { realClock } from '../../src/runtime/clock.js';
import { TrackerCli } from '../../src/sources/tracker-cli.js';
import { guardProcesses, processesWithMarker, tempDir } from '../helpers/cli.js';
import { bead, trackerRig } from '../helpers/trackers.js';

const { cleanups, markers } = guardProcesses();

function cli(dir: string, env: Record<string, string>, options: Partial<ConstructorParameters<typeof TrackerCli>[0]> = {}) {
  return new TrackerCli({ program: 'bd', cwd: dir, env: { ...process.env, ...env }, clock: realClock, timeoutMs: 5000, retries: 2, backoffMs: 10, recordTo: null, ...options });
}

describe('TrackerCli', () => {
  it('retries a call that fails to reach the tracker, and succeeds once it answers', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const rig = trackerRig(tmp.dir, { issues: [bead('a')], failNext: 2 });
    const out = await cli(tmp.dir, rig.env).call(['ready', '--json'], 'list ready issues');
    expect(JSON.parse(out)).toHaveLength(1);
    expect(rig.calls()).toHaveLength(3);
  });

  it('gives up after its retries with a message naming what it tried to do', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const rig = trackerRig(tmp.dir, { issues: [], failNext: 10 });
    const error = await cli(tmp.dir, rig.env).call(['ready', '--json'], 'list ready issues').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrackerError);
    expect((error as TrackerError).refused).toBe(false);
    expect((error as Error).message).toBe('could not list ready issues with bd (3 tries): exit 1: error: connection refused (the tracker is down)');
  });

  it('kills a call that does not answer in time, with what it started', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const marker = `tracker-timeout-${process.pid}`;
    markers.push(marker);
    const rig = trackerRig(tmp.dir, { issues: [], hang: { match: 'ready', when: 'before' } });
    const started = Date.now();
    const error = await cli(tmp.dir, { ...rig.env, HARNESS_TEST_MARKER: marker }, { timeoutMs: 300, retries: 0 })
      .call(['ready', '--json'], 'list ready issues')
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('could not list ready issues with bd (1 try): no answer within 300ms');
    expect(Date.now() - started).toBeLessThan(4000);
    expect(processesWithMarker(marker)).toEqual([]);
  });

  it('says when the program is not installed, at once and without retrying (exit 2)', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const error = await cli(tmp.dir, { PATH: tmp.dir }).call(['ready'], 'list ready issues').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe('bd was not found on PATH: install it, or set tracker.bin (HARNESS_TRACKER_BIN) to its path');
  });

  it('does not retry what the tracker refused for good', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const rig = trackerRig(tmp.dir, { issues: [] });
    const error = await cli(tmp.dir, rig.env)
      .call(['show', 'nope', '--json'], 'read nope', (r) => (r.code === 0 ? 'ok' : 'refused'))
      .catch((e: unknown) => e);
    expect((error as TrackerError).refused).toBe(true);
    expect((error as Error).message).toBe('bd refused to read nope: exit 1: Error: issue nope not found');
    expect(rig.calls()).toHaveLength(1);
  });
});
