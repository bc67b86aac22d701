import { join } from 'node:path';
import { isPromise } from '../runtime/engine-ports.js';
import type { MergeEntryRow } from '../store/types.js';
import { sanitizeIssueId } from '../workspace/sanitize.js';
import { findFirstRed, splitAtCulprit } from './batch.js';
import { describeResult, runCommand } from './command.js';
import { conflictReason } from './decide.js';
import { firstLines, GitError } from '../git/index.js';
import type { MergeStepContext } from './merger-types.js';
import { LeaseLostError } from './leadership.js';
import { verifyToken } from './recovery.js';
import type { SharedRemote } from './shared-remote.js';
import { applyBranch } from './strategy.js';

/** One branch applied in the merge worktree: `result` is the target plus everything up to and including it. */
interface Level {
  entry: MergeEntryRow;
  result: string;
}

interface Verdict {
  green: boolean;
  reason: string;
}

/**
 * A local merge (modes `merge` and `batch`): stack the entries on the
 * target in the merge worktree, verify the top, land with one atomic move
 * of the target, and bisect a red batch.
 */
export class LocalMerge {
  constructor(private readonly ctx: MergeStepContext) {}

  /**
   * Stack the entries on the target (one entry unless batching), verify the
   * top, and land. A red top is bisected: the green part below the culprit
   * lands, the culprit is rejected, the entries above it go back to the
   * head of the queue.
   */
  async run(queued: MergeEntryRow[]): Promise<void> {
    const { deps, settings, outcomes } = this.ctx;
    const { store, git, worktree, target, clock } = deps;
    const live = outcomes.dropStale(queued);
    const entries = isPromise(live) ? await live : live;
    if (entries.length === 0) return;
    // In a fleet of checkouts, the remote's target is the one merges build on.
    const base = deps.remote ? await deps.remote.syncTarget() : await target.head();
    await this.prepareWorktree(base);
    const startedAt = clock.now();
    const stack: Level[] = [];
    for (const queuedEntry of entries) {
      const taken = store.setMergeState(
        queuedEntry.id,
        { state: 'merging', startedAt, endedAt: null, base, result: null, reason: null, verifyPid: null, verifyPgid: null },
        startedAt,
      );
      const entry = isPromise(taken) ? await taken : taken;
      let commit = await git.commitOf(`refs/heads/${entry.branch}`);
      // Made in another checkout (or an older attempt's here): the branch as its coordinator pushed it.
      if (deps.remote && (commit === null || (entry.head !== null && commit !== entry.head))) commit = await deps.remote.fetchBranch(entry.branch);
      if (commit === null) {
        await outcomes.reject(entry, 'error', `branch ${entry.branch} no longer exists`);
        continue;
      }
      const issue = store.getIssue(entry.issueId);
      const title = (isPromise(issue) ? await issue : issue)?.title ?? entry.issueId;
      const applied = await applyBranch(git, worktree.path, settings.strategy, { commit, branch: entry.branch, issueId: entry.issueId, title });
      if (applied.kind === 'conflict') {
        await worktree.checkout(stack.at(-1)?.result ?? base);
        await outcomes.reject(entry, 'conflict', conflictReason(target.branch, applied.files));
        continue;
      }
      // Recorded before the target can move: after a crash, a result the target contains has landed.
      const recorded = store.setMergeState(entry.id, { result: applied.head }, clock.now());
      if (isPromise(recorded)) await recorded;
      stack.push({ entry, result: applied.head });
    }
    const top = stack.at(-1);
    if (top === undefined) return;

    const verdict = await this.verify(top);
    if (verdict.green) {
      await this.land(stack, base);
      return;
    }
    const reds = new Map<number, Verdict>([[stack.length, verdict]]);
    const culpritLevel = await findFirstRed(stack.length, async (level) => {
      const result = await this.verify(stack[level - 1] as Level);
      if (!result.green) reds.set(level, result);
      return result.green;
    });
    const { land, culprit, retry } = splitAtCulprit(stack, culpritLevel);
    if (land.length > 0) await this.land(land, base);
    await outcomes.reject(culprit.entry, 'verify', (reds.get(culpritLevel) as Verdict).reason);
    const sentBack = outcomes.requeue(
      retry.map((l) => l.entry),
      `sent back: ${culprit.entry.issueId} failed verify in the same batch`,
    );
    if (isPromise(sentBack)) await sentBack;
  }

  /** Reset the merge worktree to `base`; after it was created or deep-cleaned, copy files and run setup for verify. */
  private async prepareWorktree(base: string): Promise<void> {
    const { deps, settings } = this.ctx;
    const { worktree } = deps;
    await worktree.reset(base, { deep: false });
    // Setup and copied files are there for verify; without one, a checkout is all a merge needs.
    if (worktree.ready || !settings.verify) return;
    deps.copyFiles(worktree.path);
    const setup = settings.setup;
    if (setup) {
      const result = await runCommand(setup, this.commandOptions(join(this.logDir(), 'setup.log')));
      if (!result.ok) {
        throw new GitError(`workspace setup (${setup.join(' ')}) failed in the merge worktree: ${describeResult(result, settings.commandTimeoutMs)}; log: ${result.logPath}`);
      }
    }
    worktree.ready = true;
  }

  private async verify(level: Level): Promise<Verdict> {
    const { deps, settings } = this.ctx;
    const { verify } = settings;
    if (!verify) return { green: true, reason: '' };
    const { store, clock, worktree } = deps;
    await worktree.checkout(level.result);
    const { entry } = level;
    const logPath = join(this.logDir(), `${sanitizeIssueId(entry.issueId)}-${entry.id}.log`);
    const options = this.commandOptions(logPath);
    const result = await runCommand(verify, {
      ...options,
      env: { ...options.env, HARNESS_SESSION_ID: verifyToken(entry) },
      onSpawn: (pid) => this.recordVerify(entry.id, pid),
    });
    const cleared = store.setMergeState(entry.id, { verifyPid: null, verifyPgid: null }, clock.now());
    if (isPromise(cleared)) await cleared;
    return { green: result.ok, reason: `verify (${verify.join(' ')}) ${describeResult(result, settings.commandTimeoutMs)}; log: ${logPath}` };
  }

  /** Advance the target to the top of `levels`, then mark them landed. */
  private async land(levels: Level[], base: string): Promise<void> {
    const { deps, settings, outcomes } = this.ctx;
    const { store, clock, target } = deps;
    const top = levels.at(-1) as Level;
    const entries = levels.map((l) => l.entry);
    if (deps.remote) return this.landOnRemote(deps.remote, levels, base);
    let waitingFor: string | null = null;
    for (;;) {
      // The safe end of a lost lease: this coordinator never moves the target once another one may lead.
      await this.ctx.beforeLanding();
      const advance = await target.advance(base, top.result, `harness merge queue: ${entries.map((e) => e.issueId).join(', ')}`);
      if (advance.kind === 'advanced') break;
      if (advance.kind === 'moved') {
        const again = outcomes.requeue(entries, `${target.branch} moved while merging; merging again on the new commit`);
        if (isPromise(again)) await again;
        return;
      }
      for (const entry of entries) {
        const noted = store.setMergeState(entry.id, { reason: `waiting: ${advance.reason}` }, clock.now());
        if (isPromise(noted)) await noted;
      }
      if (advance.reason !== waitingFor) {
        waitingFor = advance.reason;
        deps.events.emit('merge:waiting', { at: clock.now(), issueIds: entries.map((e) => e.issueId), target: target.branch, reason: advance.reason });
      }
      if (this.ctx.stopping()) {
        const back = outcomes.requeue(entries, `not landed before the run stopped: ${advance.reason}`);
        if (isPromise(back)) await back;
        return;
      }
      await this.ctx.pause();
    }
    const landed = outcomes.landed(entries, target.branch, `${top.result.slice(0, 12)} by ${settings.strategy}`);
    if (isPromise(landed)) await landed;
    await this.pushTarget(entries);
    for (const entry of entries) await outcomes.cleanUp(entry.issueId, true);
  }

  /**
   * In a fleet of checkouts: one compare-and-swap push of the remote's
   * target; this checkout's target follows by fast-forward when it can (a
   * checkout in the way catches up at the next merge).
   */
  private async landOnRemote(remote: SharedRemote, levels: Level[], base: string): Promise<void> {
    const { deps, settings, outcomes } = this.ctx;
    const { target } = deps;
    const top = levels.at(-1) as Level;
    const entries = levels.map((l) => l.entry);
    await this.ctx.beforeLanding();
    if ((await remote.land(base, top.result)) === 'moved') {
      const again = outcomes.requeue(entries, `${target.branch} on ${remote.remote} moved while merging; merging again on the new commit`);
      if (isPromise(again)) await again;
      return;
    }
    await target.advance(base, top.result, `harness merge queue: ${entries.map((e) => e.issueId).join(', ')}`).catch(() => null);
    const landed = outcomes.landed(entries, target.branch, `${top.result.slice(0, 12)} by ${settings.strategy} on ${remote.remote}`);
    if (isPromise(landed)) await landed;
    for (const entry of entries) {
      await remote.forget(entry.branch);
      await outcomes.cleanUp(entry.issueId, true);
    }
  }

  private async pushTarget(entries: MergeEntryRow[]): Promise<void> {
    const remote = this.ctx.settings.push;
    if (!remote) return;
    const { git, target, store, clock } = this.ctx.deps;
    const out = await git.try(['push', '--quiet', remote, `${target.ref}:${target.ref}`]);
    if (out.code === 0) return;
    const reason = `landed, but the push of ${target.branch} to ${remote} failed: ${firstLines(out.stderr)}`;
    for (const entry of entries) {
      const noted = store.setMergeState(entry.id, { reason }, clock.now());
      if (isPromise(noted)) await noted;
    }
  }

  /**
   * The verify's pid, for a restart (or the next leader) to stop it. A
   * callback of the spawn, so a store's late answer is not waited for: one
   * that fails leaves only this hint out (the store reports its own
   * failures). A lost lease is found again at the step's next write.
   */
  private recordVerify(id: number, pid: number): void {
    const { store, clock } = this.ctx.deps;
    let written: unknown;
    try {
      written = store.setMergeState(id, { verifyPid: pid, verifyPgid: pid }, clock.now());
    } catch (error) {
      if (error instanceof LeaseLostError) return;
      throw error;
    }
    if (isPromise(written)) written.catch(() => {});
  }

  private logDir(): string {
    return join(this.ctx.settings.logDir, 'merge');
  }

  private commandOptions(logPath: string) {
    const { deps, settings } = this.ctx;
    return {
      cwd: deps.worktree.path,
      logPath,
      logMaxBytes: settings.logMaxBytes,
      env: settings.env,
      clock: deps.clock,
      timeoutMs: settings.commandTimeoutMs,
      killGraceMs: settings.killGraceMs,
    };
  }
}
