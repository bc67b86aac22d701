/** Pieces of the coordinator that need none of its state: its scale config, log paths, the run lock and the summary. */
import { join } from 'node:path';
import { formatDuration } from '../config/duration.js';
import type { ScaleMetrics } from '../core/metrics-types.js';
import { stripUndefined } from '../core/objects.js';
import { DEFAULT_SCALE_CONFIG, type ScaleConfig } from '../core/scale-config.js';
import type { SessionOutcome } from '../core/states.js';
import { StoreError } from '../errors.js';
import type { LockProbe } from '../store/run-lock.js';
import type { Answer, AsyncStore } from '../store/ports.js';
import type { IssueRow, RunLockClaim, RunLockInfo, Store } from '../store/types.js';
import type { IssueStatus } from '../core/states.js';
import { andThen } from './answers.js';
import { sanitizeIssueId } from '../workspace/sanitize.js';
import type { Hold, Spend } from '../core/run/state.js';
import type { CoordinatorOptions, RunSummary } from './coordinator-types.js';

/**
 * `<logDir>/<issue>-<attempt>-<session id>.log`: one file per session, all
 * in one directory (a directory per issue would cost a directory creation
 * per issue). A lost or cancelled session gives its attempt back, so the
 * session after it has the same attempt number; the session id keeps their
 * logs apart. The runner creates the file when the agent's first output
 * arrives: a session that printed nothing has none.
 */
export function sessionLogPath(logDir: string, issueId: string, attempt: number, sessionId: string): string {
  return join(logDir, `${sanitizeIssueId(issueId)}-${attempt}-${sanitizeIssueId(sessionId)}.log`);
}

export function resolveScaleConfig(options: CoordinatorOptions): ScaleConfig {
  const given = stripUndefined(options.scaleConfig ?? {});
  const maxWorkers = given.maxWorkers ?? options.maxWorkers ?? DEFAULT_SCALE_CONFIG.maxWorkers;
  const config: ScaleConfig = { ...DEFAULT_SCALE_CONFIG, ...given, maxWorkers };
  if (given.minWorkers === undefined) config.minWorkers = Math.min(config.minWorkers, maxWorkers);
  if (options.enableScaleManager === false) config.minWorkers = config.maxWorkers;
  return config;
}

/**
 * Claim the store for this harness (from any holder when forced), recording
 * which process this is (see processIdentity), or say which live harness
 * holds it.
 */
export function claimRunLock(
  store: Store | AsyncStore,
  owner: { pid: number; hostname: string; now: number },
  probe: LockProbe,
  force: boolean,
): Answer<Extract<RunLockClaim, { acquired: true }>> {
  const processStart = probe.identify?.(owner.pid) ?? null;
  const self: RunLockInfo = { pid: owner.pid, hostname: owner.hostname, startedAt: owner.now, heartbeatAt: owner.now, ...(processStart !== null ? { processStart } : {}) };
  const answer = store.acquireRunLock(self, (pid) => probe.isAlive(pid), { force, ...(probe.identify ? { identify: (pid) => probe.identify?.(pid) ?? null } : {}) });
  return andThen(answer, (claim) => {
    if (claim.acquired) return claim;
    throw new StoreError(
      `${store.location} is in use by another harness (${describeHolder(claim.holder, self.heartbeatAt)}): ` +
        'wait for it to finish or stop it; if that process is not a harness, pass --force-unlock; or pass --state <path> to use another store',
    );
  });
}

/** What a run reports when it ends. */
/**
 * What a run reports when it ends. Work left behind a hold is not an
 * interruption: exit 3 says the fleet stopped itself and the holds say why.
 */
export function summarizeRun(
  store: Store | AsyncStore,
  outcomes: Record<SessionOutcome, number>,
  metrics: ScaleMetrics,
  holds: Hold[] = [],
  spent: Spend = { costUsd: 0, inputTokens: 0, outputTokens: 0 },
): Answer<RunSummary> {
  return andThen(store.countIssues(), (counts) => andThen(store.listIssues('failed'), (failed) => summaryOf(counts, failed, outcomes, metrics, holds, spent)));
}

function summaryOf(
  counts: Record<IssueStatus, number>,
  failed: readonly IssueRow[],
  outcomes: Record<SessionOutcome, number>,
  metrics: ScaleMetrics,
  holds: Hold[],
  spent: Spend,
): RunSummary {
  const failures = failed.map((i) => ({ id: i.id, reason: i.lastError }));
  const interrupted = counts.backlog + counts.queued + counts.running + counts.merging > 0;
  const held = interrupted && holds.length > 0;
  return {
    issues: counts,
    sessions: { ...outcomes },
    metrics,
    failures,
    interrupted: interrupted && !held,
    holds,
    spent,
    exitCode: held ? 3 : interrupted ? 130 : failures.length > 0 ? 1 : 0,
  };
}

/** `pid 12 on host, started <ISO time>, last heartbeat 5s ago`: who holds (or held) a run lock. */
export function describeHolder(holder: Pick<RunLockInfo, 'pid' | 'hostname' | 'startedAt' | 'heartbeatAt'>, now: number): string {
  const age = Math.max(0, Math.round((now - holder.heartbeatAt) / 1000) * 1000);
  return `pid ${holder.pid} on ${holder.hostname}, started ${new Date(holder.startedAt).toISOString()}, last heartbeat ${age === 0 ? 'just now' : `${formatDuration(age)} ago`}`;
}
