import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fixture, guardProcesses, makeIO, processesWithMarker, tempDir, writeIssues } from '../helpers/cli.js';

const { cleanups, markers } = guardProcesses();

describe('harness run with agents that leave processes in a new session', () => {
  it('ends the run with none of them alive', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const file = writeIssues(tmp.dir, [{ id: 'a', title: 'one' }, { id: 'b', title: 'two' }]);
    const pidDir = join(tmp.dir, 'escapees');
    mkdirSync(pidDir);
    const t = makeIO(tmp.dir, { FIXTURE_PID_DIR: pidDir });
    markers.push(t.marker);
    const code = await main(['run', '--issues', file, '--agent', fixture('detach.mjs'), '--min-workers', '2', '--max-workers', '2', '--kill-grace', '500ms'], t.io);
    expect(code).toBe(0);
    // Each session left its escapee (and the escapee's child) behind.
    expect(readdirSync(pidDir).filter((f) => f.endsWith('.json'))).toHaveLength(2);
    // Killed before the run returned, or dying from the SIGKILL sent at the grace's end.
    const deadline = Date.now() + 5000;
    while (processesWithMarker(t.marker).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(processesWithMarker(t.marker)).toEqual([]);
  });
});
