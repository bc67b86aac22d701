import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/open.js';
import { makeIO, tempDir, waitFor } from '../helpers/cli.js';

describe('harness dashboard', () => {
  it('serves a finished state read-only until interrupted, then exits 0', async () => {
    const tmp = tempDir();
    try {
      const state = join(tmp.dir, 'state.db');
      const store = openStore(state);
      store.importIssues([{ id: 'A', title: 't', body: '', priority: 2, labels: [] }], 1);
      store.close();
      const t = makeIO(tmp.dir);
      const done = main(['dashboard', '--state', state, '--port', '0'], t.io);
      await waitFor(() => /dashboard: serving http:\/\/127\.0\.0\.1:\d+\/\n/.test(t.stdout()), 10_000, 'the address');
      // Without --allow-actions there is no token, and the page offers no action.
      expect(t.stdout()).not.toContain('token');
      const url = /dashboard: serving (\S+)/.exec(t.stdout())![1]!;
      const body = (await (await fetch(new URL('/api/state', url))).json()) as { live: boolean; actions: boolean; issues: { counts: { backlog: number } } };
      expect(body).toMatchObject({ live: false, actions: false, issues: { counts: { backlog: 1 } } });
      t.interrupt();
      expect(await done).toBe(0);
      await expect(fetch(new URL('/api/state', url))).rejects.toThrow();
    } finally {
      tmp.cleanup();
    }
  });

  it.each([
    [['--state', 'missing.db'], /no harness state at missing\.db \(not found\)/],
    [['--state', '.'], /is a directory/],
    [['--port', 'eighty'], /--port: expected a port number from 0 to 65535/],
    [['--store', 'mysql://u:hunter2@db/h'], /--store: expected a PostgreSQL URL .*"mysql:\/\/u:\*\*\*@db\/h"/],
    [['--store', 'postgres://db/h', '--state', 'x.db'], /--store and --state name two different stores/],
    // Refused before anything is served: a store that cannot be reached, its password masked.
    [['--store', 'postgres://u:hunter2@127.0.0.1:1/h', '--port', '0'], /cannot .*postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/h/],
  ])('refuses %o with exit 2', async (args, message) => {
    const tmp = tempDir();
    try {
      if (args[0] === '--port') openStore(join(tmp.dir, '.harness', 'state.db')).close();
      const t = makeIO(tmp.dir);
      expect(await main(['dashboard', ...args], t.io)).toBe(2);
      expect(t.stderr()).toMatch(message);
      expect(t.stderr()).not.toContain('hunter2');
    } finally {
      tmp.cleanup();
    }
  });
});

describe('the store a dashboard watches', () => {
  it("takes the schema from the URL's ?schema=, as harness run does, unless --store-schema names one", async () => {
    const { storeOption } = await import('../../src/cli/commands/dashboard.js');
    const url = 'postgres://fleet:pw@db:5432/harness?schema=team_a&sslmode=verify-full';
    expect(storeOption({ store: url }, {})).toEqual({ url: 'postgres://fleet:pw@db:5432/harness?sslmode=verify-full', schema: 'team_a' });
    expect(storeOption({ store: url, storeSchema: 'team_b' }, {})?.schema).toBe('team_b');
    expect(storeOption({ store: 'postgres://db/harness' }, { HARNESS_STORE_SCHEMA: 'team_c' })?.schema).toBe('team_c');
    expect(storeOption({ store: 'postgres://db/harness' }, {})?.schema).toBe('harness');
  });
});
