import { existsSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { realClock } from '../../runtime/clock.js';
import { openStore } from '../../store/open.js';
import type { RetryResult } from '../../store/types.js';
import type { CliIO } from '../io.js';
import { missingStore, resolveStatePath } from '../state-path.js';
import { resolveStoreChoice } from '../store-url.js';
import { shownId } from '../../app/run-state.js';

export interface RetryCommandOptions extends Record<string, unknown> {
  io: CliIO;
  /** Issue ids to retry; each must be failed. */
  ids: string[];
  /** A fleet's PostgreSQL store; default the configured store (config file, HARNESS_STORE_URL) unless --state is given. */
  store?: string;
  storeSchema?: string;
  state?: string;
  config?: string;
}

/**
 * `harness retry <id>...`: put failed issues back in the queue with a fresh
 * budget of attempts; their sessions stay in the history. All or nothing:
 * an unknown id, or an issue that is not failed, changes nothing (exit 2).
 * On a fleet's PostgreSQL store, its live coordinators take them up at
 * their next look at the queue.
 */
export async function retryCommand(options: RetryCommandOptions): Promise<number> {
  const { io } = options;
  const choice = await resolveStoreChoice(options);
  if (choice) {
    // A schema that is not there is said so, never created for a mistyped name.
    const { PgReader } = await import('../../metrics/pg/index.js');
    await (await PgReader.open(choice.url, { schema: choice.schema })).close();
    const { openPostgresStore } = await import('../../store/postgres/index.js');
    const store = await openPostgresStore(choice.url, { schema: choice.schema, applicationName: 'harness retry' });
    try {
      const result = await store.retryIssues(options.ids, realClock.now());
      io.stdout.write(retried(result, store.location, "the fleet's live coordinators take them up at their next look at the queue, or `harness run --store` does"));
    } finally {
      await store.close();
    }
    return 0;
  }
  const { shown, path } = await resolveStatePath(options);
  if (!existsSync(path)) throw missingStore(shown, path, options.state !== undefined);
  const store = openStore(path);
  try {
    io.stdout.write(retried(store.retryIssues(options.ids, realClock.now()), shown, '`harness run` works on them'));
    return 0;
  } finally {
    store.close();
  }
}

/** What a retry did, said; or why it changed nothing (exit 2). */
function retried(result: RetryResult, shown: string, next: string): string {
  const problems = [
    ...result.unknown.map((id) => `${shownId(id)}: no such issue in ${shown}`),
    ...result.notFailed.map(({ id, status }) => `${shownId(id)}: it is ${status}, not failed`),
  ];
  if (problems.length > 0) {
    throw new UsageError(`cannot retry: only failed issues can be retried, and nothing was changed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return (
    `retried ${result.retried.length} issue(s) in ${shown}: ${result.retried.map(shownId).join(', ')}. ` +
    `Each is back in the queue with a fresh budget of attempts, and its earlier sessions are kept; ${next}\n`
  );
}
