import { join } from 'node:path';
import { DEFAULT_CONFIG, type HarnessConfig, type MergeConfig, type WorkspaceConfig } from '../../src/config/types.js';
import { EventBus, type HarnessEvents } from '../../src/core/events.js';
import { setUpWorktreeRun, type WorktreeRun } from '../../src/merge/worktree-run.js';
import { realClock } from '../../src/runtime/clock.js';
import { MemoryStore } from '../../src/store/memory/index.js';
import { commitFile, makeRepo, testEnv, type TempRepo } from './repo.js';
import { startSessionOn } from '../helpers/store.js';

type MergeEventName = 'merge:queued' | 'merge:landed' | 'merge:rejected' | 'merge:waiting';

export interface Rig extends WorktreeRun {
  temp: TempRepo;
  store: MemoryStore;
  events: EventBus;
  harnessDir: string;
  /** Every merge event, in order. */
  log: { name: MergeEventName; payload: HarnessEvents[MergeEventName] }[];
  /** An agent's session for `id`: its worktree gets one commit writing `file`, then the session succeeds and is handed to the queue. */
  finishSession(id: string, file: string | null, text?: string): Promise<'merging' | 'done' | 'failed'>;
  /** Resolves once `check` holds, re-checked after every merge event; fails after a timeout. */
  until(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  landedIds(): string[];
}

export interface RigOptions {
  merge?: Partial<MergeConfig>;
  workspace?: Partial<WorkspaceConfig>;
  maxAttempts?: number;
  files?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  /** Change the repository before the merge queue is set up; may return environment for the queue's commands. */
  before?(temp: TempRepo): NodeJS.ProcessEnv | void;
}

/** A real repository with the merge queue set up on it as `harness run --worktrees` would, over a MemoryStore. */
export async function makeRig(options: RigOptions = {}): Promise<Rig> {
  const temp = makeRepo(options.files);
  const extraEnv = options.before?.(temp) ?? {};
  const store = new MemoryStore();
  const events = new EventBus();
  const harnessDir = join(temp.repo, '.harness');
  const config: HarnessConfig = {
    ...DEFAULT_CONFIG,
    maxAttempts: options.maxAttempts ?? 3,
    workspace: { ...DEFAULT_CONFIG.workspace, mode: 'worktree', ...options.workspace },
    merge: { ...DEFAULT_CONFIG.merge, ...options.merge },
  };
  const run = await setUpWorktreeRun({
    repoDir: temp.repo,
    harnessDir,
    config,
    store,
    events,
    clock: realClock,
    env: { ...testEnv(), ...options.env, ...extraEnv },
    retryMs: 50,
  }).catch((error: unknown) => {
    temp.cleanup();
    throw error;
  });
  const log: Rig['log'] = [];
  const waiters = new Set<() => void>();
  for (const name of ['merge:queued', 'merge:landed', 'merge:rejected', 'merge:waiting'] as const) {
    events.on(name, (payload) => {
      log.push({ name, payload });
      waiters.forEach((w) => w());
    });
  }
  let sessions = 0;
  return {
    ...run,
    temp,
    store,
    events,
    harnessDir,
    log,
    async finishSession(id, file, text) {
      if (!store.getIssue(id)) store.importIssues([{ id, title: `fix ${id}`, body: '', priority: 2, labels: [] }], realClock.now());
      if (store.getIssue(id)?.status === 'backlog') {
        store.admit(store.countIssues().backlog, realClock.now());
      }
      const sessionId = `s${++sessions}`;
      const now = realClock.now();
      const queued = store.getIssue(id);
      if (queued?.status !== 'queued') throw new Error(`issue ${id} is ${queued?.status}, not queued`);
      startSessionOn(store, { sessionId, issueId: id, workerId: 'w1', now, logPath: null });
      const { path, branch } = await run.workspaces.prepare(id);
      if (file !== null) commitFile(path, file, text ?? `${id}\n`, `${id}: edit ${file}`);
      const issue = store.getIssue(id);
      if (!issue) throw new Error(`issue ${id} vanished`);
      const handoff = await run.merge.assess(issue, branch);
      store.finishSession(
        sessionId,
        { outcome: 'success', endedAt: now },
        { status: handoff.status, lastError: handoff.status === 'failed' ? handoff.reason : null, branch },
      );
      if (handoff.status === 'merging') run.merge.enqueue(issue, branch, handoff.head, now);
      return handoff.status;
    },
    until(check, what, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const test = () => {
          if (!check()) return;
          waiters.delete(test);
          clearTimeout(timer);
          clearInterval(poll);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(test);
          clearInterval(poll);
          reject(new Error(`timed out waiting for ${what}`));
        }, timeoutMs);
        // Some conditions change without an event (a reason recorded while waiting).
        const poll = setInterval(test, 25);
        waiters.add(test);
        test();
      });
    },
    landedIds() {
      return log.flatMap((e) => (e.name === 'merge:landed' ? (e.payload as HarnessEvents['merge:landed']).issueIds : []));
    },
  };
}

export { commitFile };
