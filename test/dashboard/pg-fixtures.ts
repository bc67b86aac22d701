import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { CoordinatorInfo } from '../../src/store/ports.js';
import type { PostgresStore } from '../../src/store/postgres/index.js';

export const PG_HOSTILE_TITLE = '<img src=x onerror=alert(1)>';
/** The host of the fleet's other coordinator: its sessions' logs are not on this one. */
export const OTHER_HOST = 'other-host.invalid';

const info = (over: Partial<CoordinatorInfo>): CoordinatorInfo => ({
  host: hostname(),
  pid: 100,
  processStart: null,
  version: '0.0.0',
  maxWorkers: 4,
  startedAt: Date.now() - 60_000,
  leaseMs: 600_000,
  fleetMaxWorkers: null,
  ...over,
});

export interface SeededFleet {
  /** Coordinator ids: `here` runs on this host, `other` on OTHER_HOST, `gone` left the fleet. */
  ids: { here: string; other: string; gone: string };
  /** Sessions: two running here (one with a log written), one running on the other host. */
  sessions: { hereLogged: string; here: string; other: string };
  logDir: string;
}

/**
 * A fleet as its coordinators leave it, each through a store of its own
 * on one schema: `here` (this host) runs H-1 (a hostile title, its log
 * written) and A-1 on three workers, one draining; `other` (another host)
 * runs A-2 and has failed F-1; `gone` did D-1 and left. Q-1 waits.
 */
export async function seedFleet(stores: { here: PostgresStore; other: PostgresStore; gone: PostgresStore }, dir: string): Promise<SeededFleet> {
  const now = Date.now();
  const logDir = join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const issue = (id: string, title: string, priority: number) => ({ id, title, body: '', priority, labels: [] });
  await stores.here.importIssues([issue('D-1', 'done already', 0), issue('F-1', 'fails', 0), issue('H-1', PG_HOSTILE_TITLE, 1), issue('A-1', 'ordinary work', 1), issue('A-2', 'more work', 1), issue('Q-1', 'waits', 3)], now - 50_000);
  await stores.here.admit(Infinity, now - 50_000);
  const gone = await stores.gone.joinFleet(info({ pid: 300, startedAt: now - 120_000 }));
  const here = await stores.here.joinFleet(info({ pid: 100 }));
  const other = await stores.other.joinFleet(info({ pid: 200, host: OTHER_HOST }));
  const log = (store: string) => (_issue: string, _attempt: number, session: string) => join(store === 'other' ? '/nonexistent-host-dir' : logDir, `${session}.log`);

  await stores.gone.claim({ sessionId: 's-d1', workerId: 'worker-1', now: now - 40_000, logPath: log('gone'), issueId: 'D-1' });
  await stores.gone.finishSession('s-d1', { outcome: 'success', endedAt: now - 30_000, usage: usage(0.5) }, { status: 'done' });
  await stores.gone.leaveFleet(now - 25_000, 'its run ended');

  await stores.other.claim({ sessionId: 's-f1', workerId: 'worker-1', now: now - 40_000, logPath: log('other'), issueId: 'F-1' });
  await stores.other.finishSession('s-f1', { outcome: 'failure', endedAt: now - 34_000, exitCode: 1, reason: 'exit code 1' }, { status: 'failed', lastError: 'failure after 1 attempt: exit code 1' });
  await stores.other.claim({ sessionId: 's-a2', workerId: 'worker-1', now: now - 15_000, logPath: log('other'), issueId: 'A-2' });
  await stores.other.upsertWorker({ id: 'worker-1', state: 'busy', sessionsRun: 2, createdAt: now - 50_000, retiredAt: null });

  await stores.here.claim({ sessionId: 's-h1', workerId: 'worker-1', now: now - 20_000, logPath: log('here'), issueId: 'H-1' });
  writeFileSync(join(logDir, 's-h1.log'), 'first line\nsecond <b>line</b>\n');
  await stores.here.claim({ sessionId: 's-a1', workerId: 'worker-3', now: now - 10_000, logPath: log('here'), issueId: 'A-1' });
  await stores.here.recordActivity('s-a1', { at: now - 2_000, text: 'Bash: npm test', costUsd: 0.25, inputTokens: 1200, outputTokens: 300, cacheReadTokens: 0, cacheWriteTokens: 0 });
  await stores.here.upsertWorker({ id: 'worker-1', state: 'busy', sessionsRun: 1, createdAt: now - 50_000, retiredAt: null });
  await stores.here.upsertWorker({ id: 'worker-2', state: 'idle', sessionsRun: 0, createdAt: now - 50_000, retiredAt: null });
  await stores.here.upsertWorker({ id: 'worker-3', state: 'draining', sessionsRun: 1, createdAt: now - 50_000, retiredAt: null });
  await stores.here.recordScaleOperation({ at: now - 45_000, direction: 'up', from: 1, to: 3, reason: 'queue 4, 4.00 per worker > 2' });
  await stores.here.recordHold({ kind: 'budget', reason: 'the fleet spent its budget', fix: 'raise the budget', since: now - 5_000, until: null });
  for (const [at, workers, queueDepth] of [[now - 50_000, 1, 4], [now - 1_000, 3, 1]] as const) {
    await stores.here.recordSnapshot({ at, currentWorkers: workers, activeWorkers: workers, idleWorkers: 0, stalledWorkers: 0, queueDepth, mergeQueueDepth: 0, throughputPerMinute: 1, avgSessionDurationMs: 1, p95SessionDurationMs: 1, p99SessionDurationMs: 1, successRate: 1, totalSessionsCompleted: 1, totalSessionsFailed: 0, health: 'healthy', backpressureActive: false, scaleOperations: 1 });
  }
  return { ids: { here: here.id, other: other.id, gone: gone.id }, sessions: { hereLogged: 's-h1', here: 's-a1', other: 's-a2' }, logDir };
}

function usage(costUsd: number) {
  return { agentSessionId: null, model: null, turns: 1, costUsd, inputTokens: 1000, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0, agentError: null };
}
