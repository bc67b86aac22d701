import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/open.js';
import { fixture, guardProcesses, makeIO, tempDir, waitFor, writeIssues } from '../helpers/cli.js';

const { cleanups, markers } = guardProcesses();

describe('harness run --watch (issues file)', () => {
  it('reads the file again when it changes, gates what it adds, rests at minWorkers and ends on an interrupt', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const file = writeIssues(tmp.dir, [{ id: 'one', title: 'first' }]);
    const t = makeIO(tmp.dir, { RECORD_TO: join(tmp.dir, 'record.log') });
    markers.push(t.marker);
    const state = join(tmp.dir, '.harness', 'state.db');
    const status = (id: string) => {
      const store = openStore(state);
      try {
        return store.getIssue(id)?.status;
      } finally {
        store.close();
      }
    };
    const done = main(['run', '--issues', file, '--watch', '1s', '--agent', fixture('record.mjs'), '--min-workers', '1', '--max-workers', '3', '--health-interval', '100ms', '--cooldown', '100ms'], t.io);
    await waitFor(() => t.stdout().includes('waiting for work'), 25_000, 'the idle line');
    expect(status('one')).toBe('done');
    appendFileSync(file, [JSON.stringify({ id: 'three', title: 'needs two', blockedBy: ['two'] }), JSON.stringify({ id: 'two', title: 'needs one', blockedBy: ['one'] })].join('\n') + '\n');
    await waitFor(() => status('three') === 'done', 25_000, 'the added chain to be done');
    t.interrupt();
    expect(await done).toBe(0);
    expect(status('two')).toBe('done');
    expect(t.stdout()).toContain('… waiting for work: the source is listed every 1s (Ctrl-C ends the run)');
  }, 60_000);
});
