import { join } from 'node:path';
import type { MergeConfig } from '../config/types.js';
import type { EventBus } from '../core/events.js';
import type { Clock } from '../runtime/clock.js';
import type { ProcessInspector } from '../runtime/coordinator-types.js';
import type { MergeEntryRow, Store } from '../store/types.js';
import { sanitizeIssueId } from '../workspace/sanitize.js';
import { findFirstRed, splitAtCulprit } from './batch.js';
import type { LocateWorkspace } from './cleanup.js';
import { describeResult, runCommand } from './command.js';
import { conflictReason } from './decide.js';
import { firstLines, GitError, type Git } from '../git/index.js';
import type { MergeWorktree } from './merge-worktree.js';
import { MergeOutcomes } from './outcomes.js';
import { openPullRequest, pullRequestBody } from './pr.js';
import { recoverInterruptedMerges, verifyToken } from './recovery.js';
import { applyBranch } from './strategy.js';
import type { TargetBranch } from './target.js';

export interface MergerSettings extends Pick<MergeConfig, 'mode' | 'strategy' | 'verify' | 'batchSize' | 'push'> {
  /** Session attempts an issue gets (RunSettings.maxAttempts); a rejected merge requeues the issue only below it. */
  maxAttempts: number;
  /** Run once in the merge worktree before its first verify (workspace.setup). */
  setup: string[] | null;
  /** Keep worktrees and branches of done issues (workspace.keep). */
  keep: boolean;
  /** Verify and setup logs go to `<logDir>/merge/`. */
  logDir: string;
  /** A verify or setup running longer than this (ms) is stopped and counts as failed. */
  commandTimeoutMs: number;
  killGraceMs: number;
  /** Size cap of each verify or setup log (logMaxBytes). */
  logMaxBytes: number;
  /** Wait (ms) before trying again when the target's checkout is dirty or a pull request could not be opened. */
  retryMs: number;
  /** Environment of git, verify, setup and gh. */
  env: NodeJS.ProcessEnv;
}

export interface MergerDeps {
  store: Store;
  events: EventBus;
  clock: Clock;
  git: Git;
  target: TargetBranch;
  worktree: MergeWorktree;
  locate: LocateWorkspace;
  /** Copy workspace.copy files into a fresh merge worktree. */
  copyFiles(dir: string): void;
  /** Finds and stops a verify left running by a harness that died. */
  processes: Pick<ProcessInspector, 'belongsToSession' | 'killGroup'>;
}

/** One branch applied in the merge worktree: `result` is the target plus everything up to and including it. */
interface Level {
  entry: MergeEntryRow;
  result: string;
}

interface Verdict {
  green: boolean;
  reason: string;
}

/** Tries at opening a pull request before the issue fails (the branch is kept). */
const PR_TRIES = 3;

/**
 * The merge loop: one merge (or batch) at a time, oldest entry first. Each
 * merge is built and verified in the merge worktree, then lands with one
 * atomic move of the target; conflicts and red verifies send the issue back
 * to the queue (or fail it) through the store, and every outcome is an
 * event the coordinator reacts to. All git and command work is
 * asynchronous, so the coordinator's event loop is never held up.
 */
export class Merger {
  private running: Promise<void> | null = null;
  private stopping = false;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private readonly stopped: Promise<void>;
  private signalStopped: () => void = () => {};
  private readonly background = new Set<Promise<void>>();
  private readonly prFailures = new Map<number, number>();
  private readonly outcomes: MergeOutcomes;

  constructor(
    private readonly deps: MergerDeps,
    private readonly settings: MergerSettings,
  ) {
    this.stopped = new Promise((resolve) => (this.signalStopped = resolve));
    this.outcomes = new MergeOutcomes({ ...deps, maxAttempts: settings.maxAttempts, keep: settings.keep });
  }

  start(): void {
    if (this.running || this.stopping) return;
    this.running = this.loop().catch((error: unknown) => {
      this.deps.events.emit('merge:error', { at: this.deps.clock.now(), error, fatal: true });
    });
  }

  /** New work was queued. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Finish the merge in progress, start no other; resolves when nothing is left running. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.signalStopped();
    this.wakeUp?.();
    await this.running;
    while (this.background.size > 0) await Promise.all(this.background);
  }

  /** Remove a done issue's worktree outside the loop (an issue done without anything to merge). */
  cleanUpLater(issueId: string, deleteBranch: boolean): void {
    const task = this.outcomes.cleanUp(issueId, deleteBranch).finally(() => this.background.delete(task));
    this.background.add(task);
  }

  // --- the loop ------------------------------------------------------------

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        await recoverInterruptedMerges({ ...this.deps, outcomes: this.outcomes, now: () => this.deps.clock.now() }, this.settings.mode);
        break;
      } catch (error) {
        // The target branch was deleted, say: report it and try again rather than leave issues merging forever.
        this.deps.events.emit('merge:error', { at: this.deps.clock.now(), error, fatal: false });
        await this.pause();
      }
    }
    while (!this.stopping) {
      const batch = this.deps.store.nextMerges(this.settings.mode === 'pr' ? 1 : this.settings.batchSize);
      if (batch.length === 0) {
        await this.idle();
        continue;
      }
      try {
        if (this.settings.mode === 'pr') await this.openPullRequest(batch[0] as MergeEntryRow);
        else await this.mergeBatch(batch);
      } catch (error) {
        // Something other than a conflict or a red verify (git refused, the disk is full): the
        // entries in hand are rejected like a failed merge, so a persistent fault ends in
        // failed issues rather than a queue that never drains.
        const reason = `merge failed: ${error instanceof Error ? error.message : String(error)}`;
        for (const entry of batch) {
          const current = this.deps.store.getMerge(entry.id);
          if (current?.state === 'queued' || current?.state === 'merging') await this.outcomes.reject(current, 'error', reason);
        }
      }
    }
  }

  private idle(): Promise<void> {
    if (this.woken || this.stopping) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.wakeUp = () => {
        this.wakeUp = null;
        this.woken = false;
        resolve();
      };
    });
  }

  /** Wait before trying again; returns early when the merger is stopped. */
  private pause(): Promise<void> {
    return Promise.race([this.deps.clock.sleep(this.settings.retryMs), this.stopped]);
  }

  // --- local merges --------------------------------------------------------

  /**
   * Stack the entries on the target (one entry unless batching), verify the
   * top, and land. A red top is bisected: the green part below the culprit
   * lands, the culprit is rejected, the entries above it go back to the
   * head of the queue.
   */
  private async mergeBatch(queued: MergeEntryRow[]): Promise<void> {
    const { store, git, worktree, target, clock } = this.deps;
    const entries = this.outcomes.dropStale(queued);
    if (entries.length === 0) return;
    const base = await target.head();
    await this.prepareWorktree(base);
    const startedAt = clock.now();
    const stack: Level[] = [];
    for (const queuedEntry of entries) {
      const entry = store.setMergeState(
        queuedEntry.id,
        { state: 'merging', startedAt, endedAt: null, base, result: null, reason: null, verifyPid: null, verifyPgid: null },
        startedAt,
      );
      const commit = await git.commitOf(`refs/heads/${entry.branch}`);
      if (commit === null) {
        await this.outcomes.reject(entry, 'error', `branch ${entry.branch} no longer exists`);
        continue;
      }
      const title = store.getIssue(entry.issueId)?.title ?? entry.issueId;
      const applied = await applyBranch(git, worktree.path, this.settings.strategy, { commit, branch: entry.branch, issueId: entry.issueId, title });
      if (applied.kind === 'conflict') {
        await worktree.checkout(stack.at(-1)?.result ?? base);
        await this.outcomes.reject(entry, 'conflict', conflictReason(target.branch, applied.files));
        continue;
      }
      // Recorded before the target can move: after a crash, a result the target contains has landed.
      store.setMergeState(entry.id, { result: applied.head }, clock.now());
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
    await this.outcomes.reject(culprit.entry, 'verify', (reds.get(culpritLevel) as Verdict).reason);
    this.outcomes.requeue(
      retry.map((l) => l.entry),
      `sent back: ${culprit.entry.issueId} failed verify in the same batch`,
    );
  }

  /** Reset the merge worktree to `base`; after it was created or deep-cleaned, copy files and run setup for verify. */
  private async prepareWorktree(base: string): Promise<void> {
    const { worktree } = this.deps;
    await worktree.reset(base, { deep: false });
    // Setup and copied files are there for verify; without one, a checkout is all a merge needs.
    if (worktree.ready || !this.settings.verify) return;
    this.deps.copyFiles(worktree.path);
    const setup = this.settings.setup;
    if (setup) {
      const result = await runCommand(setup, this.commandOptions(join(this.logDir(), 'setup.log')));
      if (!result.ok) {
        throw new GitError(`workspace setup (${setup.join(' ')}) failed in the merge worktree: ${describeResult(result, this.settings.commandTimeoutMs)}; log: ${result.logPath}`);
      }
    }
    worktree.ready = true;
  }

  private async verify(level: Level): Promise<Verdict> {
    const { verify } = this.settings;
    if (!verify) return { green: true, reason: '' };
    const { store, clock, worktree } = this.deps;
    await worktree.checkout(level.result);
    const { entry } = level;
    const logPath = join(this.logDir(), `${sanitizeIssueId(entry.issueId)}-${entry.id}.log`);
    const options = this.commandOptions(logPath);
    const result = await runCommand(verify, {
      ...options,
      env: { ...options.env, HARNESS_SESSION_ID: verifyToken(entry) },
      onSpawn: (pid) => store.setMergeState(entry.id, { verifyPid: pid, verifyPgid: pid }, clock.now()),
    });
    store.setMergeState(entry.id, { verifyPid: null, verifyPgid: null }, clock.now());
    return { green: result.ok, reason: `verify (${verify.join(' ')}) ${describeResult(result, this.settings.commandTimeoutMs)}; log: ${logPath}` };
  }

  /** Advance the target to the top of `levels`, then mark them landed. */
  private async land(levels: Level[], base: string): Promise<void> {
    const { store, clock, target } = this.deps;
    const top = levels.at(-1) as Level;
    const entries = levels.map((l) => l.entry);
    let waitingFor: string | null = null;
    for (;;) {
      const advance = await target.advance(base, top.result, `harness merge queue: ${entries.map((e) => e.issueId).join(', ')}`);
      if (advance.kind === 'advanced') break;
      if (advance.kind === 'moved') {
        this.outcomes.requeue(entries, `${target.branch} moved while merging; merging again on the new commit`);
        return;
      }
      for (const entry of entries) store.setMergeState(entry.id, { reason: `waiting: ${advance.reason}` }, clock.now());
      if (advance.reason !== waitingFor) {
        waitingFor = advance.reason;
        this.deps.events.emit('merge:waiting', { at: clock.now(), issueIds: entries.map((e) => e.issueId), target: target.branch, reason: advance.reason });
      }
      if (this.stopping) {
        this.outcomes.requeue(entries, `not landed before the run stopped: ${advance.reason}`);
        return;
      }
      await this.pause();
    }
    this.outcomes.landed(entries, target.branch, `${top.result.slice(0, 12)} by ${this.settings.strategy}`);
    await this.pushTarget(entries);
    for (const entry of entries) await this.outcomes.cleanUp(entry.issueId, true);
  }

  private async pushTarget(entries: MergeEntryRow[]): Promise<void> {
    const remote = this.settings.push;
    if (!remote) return;
    const { git, target, store, clock } = this.deps;
    const out = await git.try(['push', '--quiet', remote, `${target.ref}:${target.ref}`]);
    if (out.code === 0) return;
    const reason = `landed, but the push of ${target.branch} to ${remote} failed: ${firstLines(out.stderr)}`;
    for (const entry of entries) store.setMergeState(entry.id, { reason }, clock.now());
  }

  // --- pull requests -------------------------------------------------------

  private async openPullRequest(queued: MergeEntryRow): Promise<void> {
    const { store, clock, git, target } = this.deps;
    const [live] = this.outcomes.dropStale([queued]);
    if (!live) return;
    const startedAt = clock.now();
    const entry = store.setMergeState(live.id, { state: 'merging', startedAt, endedAt: null, reason: null }, startedAt);
    const issue = store.getIssue(entry.issueId);
    if (!issue || (await git.commitOf(`refs/heads/${entry.branch}`)) === null) {
      await this.outcomes.reject(entry, 'error', `branch ${entry.branch} no longer exists`);
      return;
    }
    const opened = await openPullRequest(
      git,
      { branch: entry.branch, base: target.branch, title: issue.title, body: pullRequestBody(issue, entry.branch), remote: this.settings.push ?? 'origin' },
      this.settings.env,
    );
    if (opened.ok) {
      this.outcomes.landed([entry], target.branch, `pull request ${opened.url}`, { state: 'opened', url: opened.url });
      // The branch is the pull request's: only the worktree goes.
      await this.outcomes.cleanUp(entry.issueId, false);
      return;
    }
    const tries = (this.prFailures.get(entry.id) ?? 0) + 1;
    this.prFailures.set(entry.id, tries);
    if (tries < PR_TRIES && !this.stopping) {
      store.setMergeState(entry.id, { state: 'queued', reason: `try ${tries} of ${PR_TRIES}: ${opened.reason}` }, clock.now());
      await this.pause();
      return;
    }
    // Not the agent's fault: the work is kept on its branch rather than redone.
    const reason = `could not open a pull request after ${tries} tries: ${opened.reason}; the branch ${entry.branch} is kept`;
    this.outcomes.fail(entry, reason, { status: 'failed', notBefore: null, lastError: reason });
  }

  // --- helpers -------------------------------------------------------------

  private logDir(): string {
    return join(this.settings.logDir, 'merge');
  }

  private commandOptions(logPath: string) {
    return {
      cwd: this.deps.worktree.path,
      logPath,
      logMaxBytes: this.settings.logMaxBytes,
      env: this.settings.env,
      clock: this.deps.clock,
      timeoutMs: this.settings.commandTimeoutMs,
      killGraceMs: this.settings.killGraceMs,
    };
  }
}
