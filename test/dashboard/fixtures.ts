import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isAlive, processIdentity } from '../../src/runtime/processes.js';
import { openStore } from '../../src/store/open.js';
import type { SqliteStore } from '../../src/store/sqlite/index.js';
import { startSessionOn } from '../helpers/store.js';

export const HOSTILE_TITLE = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
export const liveness = { hostname: hostname(), isAlive, identify: processIdentity };

/**
 * A state as a live run leaves it at `now`: this process holds its lock;
 * issue D-1 done, F-1 failed, R-1 (a hostile title) and R-2 running (R-2's
 * log written, with a terminal escape), Q-1 queued; a scale operation, a
 * paused hold, two snapshots.
 */
export function liveState(dir: string, now: number): { store: SqliteStore; path: string; logDir: string } {
  const path = join(dir, 'state.db');
  const logDir = `${path}.logs`;
  mkdirSync(logDir, { recursive: true });
  const store = openStore(path);
  const identity = processIdentity(process.pid);
  store.acquireRunLock({ pid: process.pid, hostname: hostname(), startedAt: now - 60_000, heartbeatAt: now, ...(identity ? { processStart: identity } : {}) }, () => true);
  const issue = (id: string, title: string, priority = 2) => ({ id, title, body: '', priority, labels: [] });
  store.importIssues([issue('D-1', 'done already', 0), issue('F-1', 'fails', 0), issue('R-1', HOSTILE_TITLE, 1), issue('R-2', 'runs with a log', 1), issue('Q-1', 'waits')], now - 50_000);
  const log = (id: string) => join(logDir, `${id}.log`);
  startSessionOn(store, { sessionId: 's-d1', issueId: 'D-1', workerId: 'worker-1', now: now - 40_000, logPath: log('d1') });
  store.finishSession('s-d1', { outcome: 'success', endedAt: now - 30_000, usage: usage(0.5) }, { status: 'done' });
  startSessionOn(store, { sessionId: 's-f1', issueId: 'F-1', workerId: 'worker-2', now: now - 40_000, logPath: log('f1') });
  store.finishSession('s-f1', { outcome: 'failure', endedAt: now - 35_000, exitCode: 1, reason: 'exit code 1' }, { status: 'failed', lastError: 'failure after 1 attempt: exit code 1' });
  startSessionOn(store, { sessionId: 's-r1', issueId: 'R-1', workerId: 'worker-1', now: now - 20_000, logPath: log('r1') });
  store.recordActivity('s-r1', { at: now - 2_000, text: 'Bash: <b>npm test</b>', costUsd: 0.25, inputTokens: 1200, outputTokens: 300, cacheReadTokens: 0, cacheWriteTokens: 0 });
  store.touchSession('s-r1', now - 2_000);
  startSessionOn(store, { sessionId: 's-r2', issueId: 'R-2', workerId: 'worker-2', now: now - 10_000, logPath: log('r2') });
  writeFileSync(log('r2'), 'first line\nsecond \u001b[2J line\n');
  for (const id of ['worker-1', 'worker-2']) store.upsertWorker({ id, state: 'idle', sessionsRun: 1, createdAt: now - 60_000, retiredAt: null });
  store.upsertWorker({ id: 'worker-3', state: 'draining', sessionsRun: 1, createdAt: now - 60_000, retiredAt: null });
  store.recordScaleOperation({ at: now - 45_000, direction: 'up', from: 1, to: 3, reason: 'queue 4, 4.00 per worker > 2' });
  store.recordHold({ kind: 'paused', reason: 'paused from the dashboard', fix: 'resume dispatch', since: now - 5_000, until: null });
  for (const [at, workers, queueDepth] of [[now - 50_000, 1, 4], [now - 1_000, 3, 1]] as const) {
    store.recordSnapshot({ at, currentWorkers: workers, activeWorkers: workers, idleWorkers: 0, stalledWorkers: 0, queueDepth, mergeQueueDepth: 0, throughputPerMinute: 1, avgSessionDurationMs: 1, p95SessionDurationMs: 1, p99SessionDurationMs: 1, successRate: 1, totalSessionsCompleted: 1, totalSessionsFailed: 0, health: 'healthy', backpressureActive: false, scaleOperations: 1 });
  }
  return { store, path, logDir };
}

function usage(costUsd: number) {
  return { agentSessionId: null, model: null, turns: 1, costUsd, inputTokens: 1000, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0, agentError: null };
}
