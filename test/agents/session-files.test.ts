import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeStaleSessionFiles, sessionFilePrefix, sessionPaths } from '../../src/agents/session-files.js';
import { isAlive } from '../../src/runtime/processes.js';
import { tempDir } from '../helpers/cli.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.forEach((c) => c());
  cleanups = [];
});

describe('session files', () => {
  it('names one set per runner and worker, apart from every other runner', () => {
    const [a, b] = [sessionFilePrefix(), sessionFilePrefix()];
    expect(a).not.toBe(b);
    expect(sessionPaths('/h', a, 'worker-1').issueFile).toBe(`/h/${a}-worker-1.issue.json`);
    expect(sessionPaths('/h', a, '../x').heartbeatFile).toMatch(new RegExp(`^/h/${a.replace('.', '\\.')}-x-[0-9a-f]+\\.heartbeat$`));
  });

  it('removes what dead harnesses left, and nothing of live ones', () => {
    const tmp = tempDir('harness-session-files-');
    cleanups.push(tmp.cleanup);
    const dir = join(tmp.dir, 'sessions');
    mkdirSync(dir);
    const dead = spawnSync('true').pid!;
    const names = [`${dead}.1-worker-1.issue.json`, `${dead}.1-worker-1.heartbeat`, `${process.pid}.7-worker-2.heartbeat`, 'notes.txt'];
    for (const name of names) writeFileSync(join(dir, name), '');
    removeStaleSessionFiles(dir, isAlive);
    expect(readdirSync(dir).sort()).toEqual([`${process.pid}.7-worker-2.heartbeat`, 'notes.txt']);
    removeStaleSessionFiles(join(tmp.dir, 'missing'), isAlive);
  });
});
