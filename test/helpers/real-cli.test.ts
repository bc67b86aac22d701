import { describe, expect, it } from 'vitest';
import { CliSandbox, markedProcesses } from './real-cli.js';

describe('CliSandbox', () => {
  it('finds a process a run left behind outside its process group, and kills it', async () => {
    const box = new CliSandbox();
    const run = await box.run('/bin/sh', ['-c', 'setsid sleep 30 >/dev/null 2>&1 < /dev/null & echo started'], {
      cwd: box.tempDir('cwd'),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      timeoutMs: 10_000,
    });
    expect(run.stdout.toString()).toBe('started\n');
    const left = await box.cleanup();
    expect(left).toHaveLength(1);
    expect(markedProcesses(box.marker)).toEqual([]);
  });

  it('reports nothing when a run leaves nothing', async () => {
    const box = new CliSandbox();
    await box.run('/bin/sh', ['-c', 'exit 0'], { cwd: box.tempDir('cwd'), env: {}, timeoutMs: 10_000 });
    expect(await box.cleanup()).toEqual([]);
  });
});
