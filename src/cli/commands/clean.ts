import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gitRunner } from '../../git/run.js';
import { realClock } from '../../runtime/clock.js';
import { sanitizeIssueId } from '../../workspace/sanitize.js';
import { cleanWorkspaces, renderCleanReport } from '../../workspace/clean.js';
import { WorktreeManager } from '../../workspace/worktree.js';
import type { CliIO } from '../io.js';
import { liveHolder, openStateReader, resolveStateConfig } from '../state.js';

export interface CleanCommandOptions extends Record<string, unknown> {
  io: CliIO;
  state?: string;
  config?: string;
  /** Also remove worktrees with uncommitted changes. */
  force?: boolean;
}

/**
 * `harness clean`: remove the worktrees harness made and the harness/*
 * branches already merged into the target, and say what was removed and
 * what was kept. What a live harness on this state is working on (running
 * or merging issues, the merge worktree) is left alone.
 */
export async function cleanCommand(options: CleanCommandOptions): Promise<number> {
  const { io } = options;
  const { config, shown, path } = await resolveStateConfig(io, options);
  const harnessDir = dirname(path);
  const workspaces = await WorktreeManager.open({
    repoDir: io.cwd,
    worktreesDir: join(harnessDir, 'worktrees'),
    ...(config.merge.target !== null ? { baseBranch: config.merge.target } : {}),
    run: gitRunner(io.env),
  });

  // Worker mode's worktrees, listed the same way from their own directory.
  const workers = await WorktreeManager.open({ repoDir: io.cwd, worktreesDir: join(harnessDir, 'workers'), baseBranch: workspaces.baseBranch, run: gitRunner(io.env) });

  const inUse = new Map<string, string>();
  let mergeInUse: string | null = null;
  if (existsSync(path)) {
    const queries = openStateReader(shown, path);
    try {
      const holder = liveHolder(queries, realClock.now());
      if (holder) {
        const who = `the live harness (pid ${holder.pid} on ${holder.hostname}) is using it`;
        for (const id of queries.issueIdsWithStatus(['running', 'merging'])) inUse.set(sanitizeIssueId(id), `issue ${JSON.stringify(id)} is in progress; ${who}`);
        mergeInUse = who;
      }
    } finally {
      queries.close();
    }
  }

  const report = await cleanWorkspaces(workspaces, {
    inUse,
    mergeWorktree: join(harnessDir, 'merge'),
    mergeInUse,
    force: Boolean(options.force),
    workerWorktrees: await workers.list(),
    // Whoever holds the state may be running a session in any worker's worktree.
    workersInUse: mergeInUse,
  });
  io.stdout.write(renderCleanReport(report) + '\n');
  return 0;
}
