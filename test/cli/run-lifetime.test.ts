import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { FIXTURES, REPO, reapMarker, tempDir, writeIssues } from '../helpers/cli.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.forEach((c) => c());
  cleanups = [];
});

describe('harness run as a process', () => {
  it('stays alive while every issue waits out a retry backoff, then finishes the work', () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const marker = `lifetime-${Date.now()}`;
    const file = writeIssues(tmp.dir, [{ id: 'only', title: 'fails once' }]);
    const result = spawnSync(
      process.execPath,
      [join(REPO, 'bin', 'harness.js'), 'run', '--issues', file, '--agent', `"${process.execPath}" "${join(FIXTURES, 'fail-then-succeed.mjs')}"`, '--retry-delay', '1500ms', '--min-workers', '1'],
      { cwd: tmp.dir, encoding: 'utf8', env: { PATH: process.env.PATH, HARNESS_TEST_MARKER: marker }, timeout: 30_000 },
    );
    expect(reapMarker(marker)).toEqual([]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const store = openStore(join(tmp.dir, '.harness', 'state.db'));
    try {
      expect(store.sessionsForIssue('only').map((s) => s.outcome)).toEqual(['failure', 'success']);
    } finally {
      store.close();
    }
  });

  it('exits 0 once the work is done, after closing its launchers', () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const marker = `lifetime-${Date.now()}`;
    const file = writeIssues(tmp.dir, Array.from({ length: 40 }, (_, i) => ({ id: `n${i}`, title: `no-op ${i}` })));
    const result = spawnSync(process.execPath, [join(REPO, 'bin', 'harness.js'), 'run', '--issues', file, '--agent', 'true', '--quiet'], {
      cwd: tmp.dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HARNESS_TEST_MARKER: marker },
      timeout: 30_000,
    });
    expect(reapMarker(marker)).toEqual([]);
    // 13 would mean Node found nothing left to wait for while the run was still closing.
    expect(result.status).toBe(0);
    const store = openStore(join(tmp.dir, '.harness', 'state.db'));
    try {
      expect(store.countIssues().done).toBe(40);
    } finally {
      store.close();
    }
  });
});
