import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { systemProcesses } from '../../src/runtime/processes.js';
import { waitFor } from '../helpers/cli.js';

describe('systemProcesses', () => {
  it('finds every live process carrying a session id, and only those', async () => {
    const sessionId = randomUUID();
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      env: { PATH: process.env.PATH, HARNESS_SESSION_ID: sessionId },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      await waitFor(() => systemProcesses.findSessionProcesses(sessionId).length > 0, 5000, 'the child to carry its session id');
      expect(systemProcesses.findSessionProcesses(sessionId)).toEqual([child.pid]);
      expect(systemProcesses.findSessionProcesses(randomUUID())).toEqual([]);
      expect(systemProcesses.belongsToSession(child.pid!, sessionId)).toBe(true);
      expect(systemProcesses.belongsToSession(process.pid, sessionId)).toBe(false);
      systemProcesses.killProcess(child.pid!);
      await exited;
      expect(systemProcesses.isAlive(child.pid!)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('treats its own process as alive and a reaped pid as dead', () => {
    expect(systemProcesses.isAlive(process.pid)).toBe(true);
    expect(systemProcesses.isAlive(2 ** 22 + 12345)).toBe(false);
  });
});
