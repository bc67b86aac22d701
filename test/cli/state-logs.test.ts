import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/open.js';
import { fixture, guardProcesses, makeIO, tempDir, writeIssues } from '../helpers/cli.js';

const { cleanups, markers } = guardProcesses();

describe('logs beside their state', () => {
  it('keeps the logs of two state files in one folder apart, and metrics --issue shows each its own', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    // The same issue ids in both states: their logs once landed in one shared folder and overwrote each other.
    const file = writeIssues(tmp.dir, [{ id: 'same', title: 'in both states' }]);
    const runs = [
      { state: '.harness/a.db', agent: fixture('succeed.mjs'), says: 'working on it' },
      { state: '.harness/b.db', agent: fixture('fail.mjs'), says: 'could not fix the issue' },
    ];
    for (const { state, agent } of runs) {
      const t = makeIO(tmp.dir);
      markers.push(t.marker);
      await main(['run', '--issues', file, '--agent', agent, '--state', state, '--min-workers', '1', '--max-attempts', '1', '--quiet'], t.io);
    }
    expect(readdirSync(join(tmp.dir, '.harness')).filter((n) => n.endsWith('.logs')).sort()).toEqual(['a.db.logs', 'b.db.logs']);
    for (const { state, says } of runs) {
      const store = openStore(join(tmp.dir, state));
      let logPath: string;
      try {
        const [session] = store.sessionsForIssue('same');
        logPath = session!.logPath!;
        expect(logPath).toBe(join(tmp.dir, `${state}.logs`, `same-1-${session!.id}.log`));
      } finally {
        store.close();
      }
      expect(readFileSync(logPath, 'utf8')).toContain(says);
      const t = makeIO(tmp.dir);
      expect(await main(['metrics', '--state', state, '--issue', 'same', '--json'], t.io)).toBe(0);
      expect(JSON.parse(t.stdout()).sessions.map((a: { logPath: string }) => a.logPath)).toEqual([logPath]);
    }
  });
});
