import { isPromise } from '../runtime/engine-ports.js';
import type { MergeEntryRow } from '../store/types.js';
import type { MergeStepContext } from './merger-types.js';
import { openPullRequest, pullRequestBody } from './pr.js';

/** Tries at opening a pull request before the issue fails (the branch is kept). */
const PR_TRIES = 3;

/** A merge in mode `pr`: open a pull request for the entry's branch instead of landing it. */
export class PullRequestMerge {
  private readonly failures = new Map<number, number>();

  constructor(private readonly ctx: MergeStepContext) {}

  async run(queued: MergeEntryRow): Promise<void> {
    const { deps, settings, outcomes } = this.ctx;
    const { store, clock, git, target } = deps;
    const kept = outcomes.dropStale([queued]);
    const [live] = isPromise(kept) ? await kept : kept;
    if (!live) return;
    const startedAt = clock.now();
    const taken = store.setMergeState(live.id, { state: 'merging', startedAt, endedAt: null, reason: null }, startedAt);
    const entry = isPromise(taken) ? await taken : taken;
    const asked = store.getIssue(entry.issueId);
    const issue = isPromise(asked) ? await asked : asked;
    const here = (await git.commitOf(`refs/heads/${entry.branch}`)) !== null;
    // Made in another checkout of the fleet: its coordinator pushed it to the remote they share.
    const there = !here && deps.remote ? (await deps.remote.fetchBranch(entry.branch)) !== null : false;
    if (!issue || !(here || there)) {
      await outcomes.reject(entry, 'error', `branch ${entry.branch} no longer exists`);
      return;
    }
    // Opening the pull request is this mode's landing: never once another coordinator may lead.
    await this.ctx.beforeLanding();
    const opened = await openPullRequest(
      git,
      { branch: entry.branch, base: target.branch, title: issue.title, body: pullRequestBody(issue, entry.branch), remote: settings.push ?? 'origin', pushed: there },
      settings.env,
    );
    if (opened.ok) {
      const landed = outcomes.landed([entry], target.branch, `pull request ${opened.url}`, { state: 'opened', url: opened.url });
      if (isPromise(landed)) await landed;
      // The branch is the pull request's: only the worktree goes.
      await outcomes.cleanUp(entry.issueId, false);
      return;
    }
    const tries = (this.failures.get(entry.id) ?? 0) + 1;
    this.failures.set(entry.id, tries);
    if (tries < PR_TRIES && !this.ctx.stopping()) {
      const again = store.setMergeState(entry.id, { state: 'queued', reason: `try ${tries} of ${PR_TRIES}: ${opened.reason}` }, clock.now());
      if (isPromise(again)) await again;
      await this.ctx.pause();
      return;
    }
    // Not the agent's fault: the work is kept on its branch rather than redone.
    const reason = `could not open a pull request after ${tries} tries: ${opened.reason}; the branch ${entry.branch} is kept`;
    const failed = outcomes.fail(entry, reason, { status: 'failed', notBefore: null, lastError: reason });
    if (isPromise(failed)) await failed;
  }
}
