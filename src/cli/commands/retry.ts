import { existsSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { realClock } from '../../runtime/clock.js';
import { openStore } from '../../store/open.js';
import type { CliIO } from '../io.js';
import { missingStore, resolveStatePath } from '../state-path.js';
import { shownId } from '../../app/run-state.js';

export interface RetryCommandOptions extends Record<string, unknown> {
  io: CliIO;
  /** Issue ids to retry; each must be failed. */
  ids: string[];
  state?: string;
  config?: string;
}

/**
 * `harness retry <id>...`: put failed issues back in the queue with a fresh
 * budget of attempts; their sessions stay in the history. All or nothing:
 * an unknown id, or an issue that is not failed, changes nothing (exit 2).
 */
export async function retryCommand(options: RetryCommandOptions): Promise<number> {
  const { io } = options;
  const { shown, path } = await resolveStatePath(options);
  if (!existsSync(path)) throw missingStore(shown, path, options.state !== undefined);
  const store = openStore(path);
  try {
    const result = store.retryIssues(options.ids, realClock.now());
    const problems = [
      ...result.unknown.map((id) => `${shownId(id)}: no such issue in ${shown}`),
      ...result.notFailed.map(({ id, status }) => `${shownId(id)}: it is ${status}, not failed`),
    ];
    if (problems.length > 0) {
      throw new UsageError(`cannot retry: only failed issues can be retried, and nothing was changed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    }
    io.stdout.write(
      `retried ${result.retried.length} issue(s) in ${shown}: ${result.retried.map(shownId).join(', ')}. ` +
        'Each is back in the queue with a fresh budget of attempts, and its earlier sessions are kept; `harness run` works on them\n',
    );
    return 0;
  } finally {
    store.close();
  }
}
