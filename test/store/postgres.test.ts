import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ISSUE_STATUSES, SESSION_OUTCOMES, WORKER_STATES } from '../../src/core/states.js';
import { StoreError } from '../../src/errors.js';
import { MERGE_ENTRY_STATES } from '../../src/merge/states.js';
import type { AsyncStore } from '../../src/store/ports.js';
import { openPostgresStore, PG_LATEST_SCHEMA_VERSION, type PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/index.js';
import { SCHEMA_V1 } from '../../src/store/postgres/schema.js';
import { maskUrl, redact, storeTarget } from '../../src/store/postgres/url.js';
import { REPORT_STATES } from '../../src/store/types.js';
import { describeStoreConformance } from './conformance/index.js';
import { issue } from './conformance/fixtures.js';
import { describeWithPostgres, PG_URL } from '../helpers/postgres.js';

/**
 * The PostgreSQL store, on the server HARNESS_TEST_PG_URL names (.ci/run
 * starts one). Each test has a schema (or a database) of its own. Without
 * a server the tests are skipped, with a line that says so.
 */
const describePg = describeWithPostgres('the PostgreSQL store');

describe('PostgreSQL connection strings', () => {
  it('masks the password of a URL, and a password parameter', () => {
    expect(maskUrl('postgres://ann:s3cret@db.example:5432/harness')).toBe('postgres://ann:***@db.example:5432/harness');
    expect(maskUrl('postgresql://ann@db/h?password=s3cret&sslmode=require')).toBe('postgresql://ann@db/h?password=***&sslmode=require');
    expect(maskUrl('postgres://db/h')).toBe('postgres://db/h');
    // Not a URL at all: masked by pattern, never shown as typed.
    expect(maskUrl('postgres://ann:s3cret@[bad')).not.toContain('s3cret');
  });

  it("takes harness's ?schema= out of the URL, and refuses one that is not a URL with what to write, its password masked", () => {
    expect(storeTarget('postgres://ann:pw@db:5432/h?schema=team_a&sslmode=verify-full')).toEqual({ url: 'postgres://ann:pw@db:5432/h?sslmode=verify-full', schema: 'team_a' });
    expect(storeTarget('postgres://db/h')).toEqual({ url: 'postgres://db/h', schema: 'harness' });
    for (const bad of ['postgres://ann:s3cret@db:notaport/h', 'postgres://ann:s3cret@db:99999/h']) {
      const refused = (() => {
        try {
          storeTarget(bad);
          return null;
        } catch (error) {
          return error as Error;
        }
      })();
      expect(refused?.message).toMatch(/is not a valid URL: write it as postgres:\/\/user:password@host:5432\/database \(a port is a number from 1 to 65535/);
      expect(refused?.message).not.toContain('s3cret');
    }
  });

  it('takes the password out of any message, as typed or decoded', () => {
    const url = 'postgres://ann:p%40ss%2Fw0rd@db/h';
    expect(redact(`cannot reach ${url}: password p@ss/w0rd refused`, url)).toBe('cannot reach postgres://ann:***@db/h: password *** refused');
  });
});

describe('PostgreSQL schema', () => {
  /** The values a CHECK allows `column` to take. */
  const checked = (column: string) => {
    const match = new RegExp(`\\b${column}\\s+TEXT[^,\\n]*CHECK \\(${column} IN \\(([^)]*)\\)\\)`).exec(SCHEMA_V1);
    return match ? match[1]!.split(',').map((v) => v.trim().replace(/^'|'$/g, '')) : null;
  };

  it("checks every named state against its table: a new state needs a new schema version", () => {
    // Each column, in the order its table first appears in the schema.
    expect([checked('status'), checked('outcome'), checked('state')]).toEqual([[...ISSUE_STATUSES], [...SESSION_OUTCOMES], [...WORKER_STATES]]);
    const states = [...SCHEMA_V1.matchAll(/CHECK \(state IN \(([^)]*)\)\)/g)].map((m) => m[1]!.split(',').map((v) => v.trim().replace(/^'|'$/g, '')));
    expect(states).toEqual([[...WORKER_STATES], [...MERGE_ENTRY_STATES], [...REPORT_STATES]]);
  });
});

describePg('PostgresStore', () => {
  const admin = new pg.Pool({ connectionString: PG_URL, max: 2 });
  afterAll(() => admin.end());
  let made = 0;
  /** A name no other test (nor another run's leftovers) uses. */
  const freshName = () => `harness_test_${process.pid}_${++made}_${Math.floor(Math.random() * 1e6)}`;
  const dropSchema = (schema: string) => admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const opened: { store: PostgresStore; schema: string }[] = [];
  /** A store on a schema of its own, closed and dropped after the test. */
  const open = async (options: PostgresStoreOptions = {}): Promise<PostgresStore> => {
    const schema = options.schema ?? freshName();
    const store = await openPostgresStore(PG_URL, { ...options, schema });
    opened.push({ store, schema });
    return store;
  };
  const closeOpened = async () => {
    for (const { store, schema } of opened.splice(0)) {
      await store.close();
      await dropSchema(schema);
    }
  };

  describeStoreConformance('PostgresStore', async () => {
    const schema = freshName();
    const store = await openPostgresStore(PG_URL, { schema });
    const anyStore: AsyncStore = store;
    return {
      store: anyStore,
      location: store.location,
      cleanup: async () => {
        await store.close();
        await dropSchema(schema);
      },
    };
  });

  describe('opening', () => {
    afterAll(closeOpened);

    it('creates one schema when several coordinators open a new database at once', async () => {
      const database = freshName();
      await admin.query(`CREATE DATABASE ${database}`);
      try {
        const url = new URL(PG_URL);
        url.pathname = `/${database}`;
        const stores = await Promise.all(Array.from({ length: 8 }, () => openPostgresStore(url.toString())));
        try {
          await stores[0]!.importIssues([issue('a')], 1);
          expect((await stores[7]!.getIssue('a'))?.status).toBe('backlog');
          const raw = new pg.Client({ connectionString: url.toString() });
          await raw.connect();
          const versions = await raw.query('SELECT version FROM harness.harness_schema ORDER BY version');
          await raw.end();
          expect(versions.rows.map((r: { version: number }) => r.version)).toEqual(Array.from({ length: PG_LATEST_SCHEMA_VERSION }, (_, i) => i + 1));
        } finally {
          await Promise.all(stores.map((s) => s.close()));
        }
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      }
    });

    it('keeps what was recorded across close and reopen, migrating nothing again', async () => {
      const schema = freshName();
      const first = await openPostgresStore(PG_URL, { schema });
      await first.importIssues([issue('a'), issue('b')], 1);
      await first.close();
      const second = await open({ schema });
      expect((await second.listIssues()).map((r) => r.id)).toEqual(['a', 'b']);
      expect((await second.importIssues([issue('c')], 2)).added).toBe(1);
      const versions = await admin.query(`SELECT count(*)::int AS n FROM ${schema}.harness_schema`);
      expect(versions.rows[0]).toEqual({ n: PG_LATEST_SCHEMA_VERSION });
    });

    it('refuses a schema written by a newer harness, telling the user to upgrade', async () => {
      const store = await open();
      const schema = opened.at(-1)!.schema;
      await admin.query(`INSERT INTO ${schema}.harness_schema (version, description) VALUES ($1, 'from the future')`, [PG_LATEST_SCHEMA_VERSION + 1]);
      const error = await openPostgresStore(PG_URL, { schema }).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(StoreError);
      expect(error?.message).toMatch(/upgrade harness/);
      expect(error?.message).toContain(String(PG_LATEST_SCHEMA_VERSION + 1));
      expect(store.location).toContain(schema);
    });

    it('refuses a schema name that would need quoting', async () => {
      await expect(openPostgresStore(PG_URL, { schema: 'Robert"); DROP' })).rejects.toThrow(/not a plain name/);
    });

    it('masks the password in the location and in every message when it cannot connect', async () => {
      const url = 'postgres://ann:s3cret-pw@127.0.0.1:1/harness';
      const error = await openPostgresStore(url, { connectTimeoutMs: 2_000 }).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(StoreError);
      expect(error?.message).toContain('postgres://ann:***@127.0.0.1:1/harness');
      expect(error?.message).not.toContain('s3cret-pw');
      expect(error?.message).toMatch(/check that the server is running/);
    });

    it('hands TLS to pg, from the options and from the URL, and says what TLS did', async () => {
      // The test server has no certificate a client could trust for 127.0.0.1: asking for TLS must fail, and say why.
      const withPassword = (() => {
        const url = new URL(PG_URL);
        url.password = 'tls-pw';
        return url;
      })();
      const viaOption = await openPostgresStore(withPassword.toString(), { ssl: true, schema: freshName() }).then(
        () => null,
        (e: unknown) => e as Error,
      );
      withPassword.searchParams.set('sslmode', 'verify-full');
      const viaUrl = await openPostgresStore(withPassword.toString(), { schema: freshName() }).then(
        () => null,
        (e: unknown) => e as Error,
      );
      for (const error of [viaOption, viaUrl]) {
        expect(error).toBeInstanceOf(StoreError);
        expect(error?.message).toMatch(/SSL|certificate/i);
        expect(error?.message).toMatch(/sslmode/);
        expect(error?.message).not.toContain('tls-pw');
      }
    });
  });

  describe('claims from several coordinators', () => {
    afterAll(closeOpened);

    it('never claims an issue twice, however many connections claim at once', async () => {
      const first = await open();
      const schema = opened.at(-1)!.schema;
      const coordinators = [first, ...(await Promise.all(Array.from({ length: 5 }, () => open({ schema }))))];
      const count = 150;
      await first.importIssues(
        Array.from({ length: count }, (_, i) => issue(`i${i}`, i % 3)),
        1,
      );
      await first.admit(Infinity, 2);
      const claimed: string[] = [];
      await Promise.all(
        coordinators.map(async (store, k) => {
          for (let n = 0; ; n++) {
            const { issue: taken } = await store.claim({ sessionId: `c${k}-${n}`, workerId: `w${k}`, now: 3, logPath: () => null });
            if (!taken) return;
            claimed.push(taken.id);
          }
        }),
      );
      expect(claimed).toHaveLength(count);
      expect(new Set(claimed).size).toBe(count);
      expect((await first.countIssues()).running).toBe(count);
      const sessions = await admin.query(`SELECT count(*)::int AS n, count(DISTINCT issue_id)::int AS issues FROM ${schema}.sessions`);
      expect(sessions.rows[0]).toEqual({ n: count, issues: count });
    });
  });

  describe('claims and ends in one statement', () => {
    afterAll(closeOpened);
    const usage = { agentSessionId: 'conv-1', model: 'm', turns: 3, costUsd: 0.25, inputTokens: 100, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0, agentError: null };

    it('answers a claim and an end with the queue a read of its own gives, a due retry and the spend included', async () => {
      const store = await open();
      await store.importIssues([issue('a'), issue('b'), issue('c')], 1);
      await store.admit(3, 1);
      const first = await store.claim({ sessionId: 's1', workerId: 'w', now: 2, logPath: () => '/logs/s1' });
      expect(first.issue?.id).toBe('a');
      expect(first.view).toEqual(await store.queueView(0));
      // Back to the queue with a backoff, and what the session spent.
      const ended = await store.finishSession('s1', { outcome: 'failure', endedAt: 3, usage }, { status: 'queued', notBefore: 5, lastError: 'exit 1' });
      expect(ended).toEqual(await store.queueView(0));
      expect(ended).toMatchObject({ nextRetryAt: 5, spent: { costUsd: 0.25, inputTokens: 100, outputTokens: 20 } });
      // The due retry is claimed: the queue it leaves has no retry left to wait for.
      const again = await store.claim({ sessionId: 's2', workerId: 'w', now: 6, logPath: () => '/logs/s2' });
      expect(again.issue).toMatchObject({ id: 'a', attempts: 2 });
      expect(again.view).toEqual(await store.queueView(0));
      expect(again.view.nextRetryAt).toBeNull();
      expect(await store.getSession('s2')).toMatchObject({ attempt: 2, logPath: '/logs/s2' });
      const done = await store.finishSession('s2', { outcome: 'success', endedAt: 7, usage }, { status: 'done' });
      expect(done).toEqual(await store.queueView(0));
      expect(await store.getIssue('a')).toMatchObject({ status: 'done', attempts: 2, spentUsd: 0.5 });
    });

    it('ends a session the long way when its issue changed after the claim, keeping the change', async () => {
      const store = await open();
      const schema = opened.at(-1)!.schema;
      await store.importIssues([issue('a')], 1);
      await store.admit(1, 1);
      await store.claim({ sessionId: 's', workerId: 'w', now: 2, logPath: () => null });
      // Another writer changes the issue while its session runs.
      await admin.query(`UPDATE ${schema}.issues SET title = 'renamed', last_error = 'noted' WHERE id = 'a'`);
      const view = await store.finishSession('s', { outcome: 'failure', endedAt: 3 }, { status: 'queued', notBefore: 9 });
      expect(view).toEqual(await store.queueView(0));
      expect(await store.getIssue('a')).toMatchObject({ status: 'queued', title: 'renamed', lastError: 'noted', notBefore: 9, attempts: 1 });
      expect(await store.getSession('s')).toMatchObject({ outcome: 'failure', endedAt: 3 });
      // Ended once: a second end is refused, as on every store.
      await expect(store.finishSession('s', { outcome: 'success', endedAt: 4 }, { status: 'done' })).rejects.toThrow(StoreError);
    });

    it("decides an end from the agent's conversation recorded during the session", async () => {
      const store = await open();
      await store.importIssues([issue('a')], 1);
      await store.admit(1, 1);
      await store.claim({ sessionId: 's', workerId: 'w', now: 2, logPath: () => null });
      await store.recordAgentSession('s', 'conv-9', 'm');
      await store.finishSession('s', { outcome: 'failure', endedAt: 3 }, { status: 'queued' });
      expect(await store.getIssue('a')).toMatchObject({ status: 'queued', resumeFrom: 'conv-9' });
    });

    it('keeps the other calls of a batch when an end inside it is refused', async () => {
      const store = await open();
      await store.importIssues([issue('a')], 1);
      await store.admit(1, 1);
      await store.claim({ sessionId: 's', workerId: 'w', now: 2, logPath: () => null });
      await store.finishSession('s', { outcome: 'success', endedAt: 3 }, { status: 'done' });
      const outcomes = await store.batch(() => [
        store.touchSession('s', 8).then(
          () => 'touched',
          (error: Error) => error.message,
        ),
        store.finishSession('s', { outcome: 'success', endedAt: 9 }, { status: 'done' }).then(
          () => 'ended again',
          (error: Error) => error.message,
        ),
        store.importIssues([issue('b')], 9).then(({ added }) => `added ${added}`),
      ]);
      const [touched, refused, added] = await Promise.all(outcomes);
      expect(touched).toBe('touched');
      expect(refused).toMatch(/already ended|has ended/);
      expect(added).toBe('added 1');
      expect((await store.getIssue('b'))?.status).toBe('backlog');
    });

    it("updates the planner's statistics after a large import, so claims read the dispatch index", async () => {
      const store = await open();
      const schema = opened.at(-1)!.schema;
      await store.importIssues(
        Array.from({ length: 150 }, (_, i) => issue(`i${i}`)),
        1,
      );
      const { rows } = await admin.query(`SELECT reltuples FROM pg_class WHERE oid = '${schema}.issues'::regclass`);
      expect(Number(rows[0].reltuples)).toBe(150);
    });
  });

  describe('order and batches', () => {
    afterAll(closeOpened);

    /** A store with issue `a` running as session `s`. */
    const running = async (): Promise<PostgresStore> => {
      const store = await open();
      await store.importIssues([issue('a'), issue('b')], 1);
      await store.admit(2, 1);
      await store.claim({ sessionId: 's', workerId: 'w', now: 2, logPath: () => null, issueId: 'a' });
      return store;
    };

    it('applies calls made without waiting in the order they were made', async () => {
      const store = await running();
      const calls = [store.touchSession('s', 5), store.touchSession('s', 9), store.markStalled('s', 9), store.touchSession('s', 7)];
      await Promise.all(calls);
      expect(await store.getSession('s')).toMatchObject({ lastProgressAt: 7, stalledAt: 9 });
    });

    it('runs the body at once, and commits its calls together: another connection sees none of them before the commit', async () => {
      const store = await running();
      const other = await open({ schema: opened.at(-1)!.schema });
      let ran = false;
      const committed = store.batch(async () => {
        ran = true;
        await store.finishSession('s', { outcome: 'success', endedAt: 3 }, { status: 'done' });
        // The batch sees its own writes; the other connection does not, yet.
        expect((await store.getIssue('a'))?.status).toBe('done');
        expect((await other.getIssue('a'))?.status).toBe('running');
        await store.claim({ sessionId: 's2', workerId: 'w', now: 4, logPath: () => null });
        return 'body done';
      });
      expect(ran).toBe(true);
      expect(await committed).toBe('body done');
      expect(await other.countIssues()).toMatchObject({ done: 1, running: 1, queued: 0 });
    });

    it('makes calls from outside the body wait for the commit', async () => {
      const store = await running();
      const order: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let insideDone!: () => void;
      const inside = new Promise<void>((resolve) => (insideDone = resolve));
      const committed = store.batch(async () => {
        await store.touchSession('s', 5);
        order.push('inside');
        insideDone();
        await gate;
      });
      // Made outside the body (not in its async context), after the batch began.
      const outside = Promise.resolve().then(() => store.touchSession('s', 8).then(() => order.push('outside')));
      await inside;
      order.push('released');
      release();
      await Promise.all([committed, outside]);
      expect(order).toEqual(['inside', 'released', 'outside']);
      expect((await store.getSession('s'))?.lastProgressAt).toBe(8);
    });

    it('rolls the whole batch back when its body throws, calls it made included', async () => {
      const store = await running();
      const failed = store.batch(() => {
        void store.touchSession('s', 50);
        void store.finishSession('s', { outcome: 'success', endedAt: 51 }, { status: 'done' });
        throw new Error('the body failed');
      });
      await expect(failed).rejects.toThrow('the body failed');
      expect(await store.getSession('s')).toMatchObject({ lastProgressAt: 2, endedAt: null });
      expect((await store.getIssue('a'))?.status).toBe('running');
      // The store goes on.
      await store.touchSession('s', 60);
      expect((await store.getSession('s'))?.lastProgressAt).toBe(60);
    });

    it('replaces a connection the server closed, and runs the call again on the new one', async () => {
      const applicationName = `harness-test-${freshName()}`;
      const store = await open({ applicationName });
      await store.importIssues([issue('a')], 1);
      const ended = await admin.query('SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
      expect(ended.rows).toEqual([{ ended: true }]);
      expect((await store.importIssues([issue('b')], 2)).added).toBe(1);
      expect((await store.listIssues()).map((r) => r.id)).toEqual(['a', 'b']);
    });

    it('refuses calls once closed, after finishing the ones made before', async () => {
      const store = await running();
      const touched = store.touchSession('s', 5);
      const closed = store.close();
      await expect(store.touchSession('s', 6)).rejects.toThrow(/is closed/);
      await Promise.all([touched, closed]);
      const reopened = await open({ schema: opened.at(-1)!.schema });
      expect((await reopened.getSession('s'))?.lastProgressAt).toBe(5);
    });
  });
});
