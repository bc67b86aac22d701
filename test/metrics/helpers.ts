import { hostname } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SessionOutcome } from '../../src/core/states.js';
import { openStoreReader, type StoreQueries } from '../../src/metrics/queries.js';
import { buildReport, type MetricsReport, type ReportOptions } from '../../src/metrics/report.js';
import { openStore } from '../../src/store/open.js';
import type { SqliteStore } from '../../src/store/sqlite/index.js';
import type { IssueStatus } from '../../src/core/states.js';
import type { AgentUsage } from '../../src/store/types.js';
import { tempDir } from '../helpers/cli.js';
import { startSessionOn } from '../helpers/store.js';

/** One session as a test wants it recorded: times are literal epoch ms. */
export interface SessionSpec {
  issueId: string;
  startedAt: number;
  /** Omit (with outcome) for a session still running. */
  endedAt?: number;
  outcome?: SessionOutcome;
  workerId?: string;
  exitCode?: number | null;
  signal?: string | null;
  reason?: string | null;
  /** The issue's status after this session (default: queued again, ready for the next). */
  then?: IssueStatus;
  /** When the health check found it stalled: default its end, for a session that ended `stalled`. */
  stalledAt?: number;
  /** What the agent printed: its log file is written (a session that printed nothing has none). */
  output?: string;
  /** What the agent reported: its session id, spend, tokens. */
  usage?: AgentUsage;
}

export interface TestStore {
  path: string;
  dir: string;
  store: SqliteStore;
  /** A read-only reader, as `harness metrics` opens it. */
  reader(): StoreQueries;
  cleanup(): void;
}

export function makeStore(): TestStore {
  const tmp = tempDir('harness-metrics-');
  const path = join(tmp.dir, '.harness', 'state.db');
  const store = openStore(path);
  const readers: StoreQueries[] = [];
  return {
    path,
    dir: tmp.dir,
    store,
    reader() {
      const reader = openStoreReader(path);
      readers.push(reader);
      return reader;
    },
    cleanup() {
      readers.forEach((r) => r.close());
      store.close();
      tmp.cleanup();
    },
  };
}

/**
 * Record `specs` in order through the Store API, as the coordinator would:
 * import and admit each issue, start its session, finish it with the chosen
 * outcome and time. Every issue is queued again after each session unless
 * `then` says otherwise, so an issue may have many sessions.
 */
let sessionNumber = 0;

export function recordSessions(store: SqliteStore, specs: readonly SessionSpec[]): string[] {
  const ids: string[] = [];
  specs.forEach((spec, i) => {
    if (!store.getIssue(spec.issueId)) {
      store.importIssues([{ id: spec.issueId, title: `title of ${spec.issueId}`, body: '', priority: 2, labels: [] }], spec.startedAt);
    }
    if (store.getIssue(spec.issueId)?.status === 'backlog') store.admit(Number.POSITIVE_INFINITY, spec.startedAt);
    const sessionId = `s${++sessionNumber}-${spec.issueId}`;
    const logPath = join(dirname(store.location), 'logs', `${spec.issueId}-${i}.log`);
    if (spec.output !== undefined) {
      mkdirSync(dirname(logPath), { recursive: true });
      writeFileSync(logPath, spec.output);
    }
    startSessionOn(store, { sessionId, issueId: spec.issueId, workerId: spec.workerId ?? 'worker-1', now: spec.startedAt, logPath });
    const stalledAt = spec.stalledAt ?? (spec.outcome === 'stalled' ? spec.endedAt : undefined);
    if (stalledAt !== undefined) store.markStalled(sessionId, stalledAt);
    if (spec.outcome !== undefined && spec.endedAt !== undefined) {
      store.finishSession(
        sessionId,
        { outcome: spec.outcome, endedAt: spec.endedAt, exitCode: spec.exitCode ?? null, signal: spec.signal ?? null, reason: spec.reason ?? null, usage: spec.usage ?? null },
        { status: spec.then ?? 'queued', ...(spec.outcome === 'cancelled' || spec.outcome === 'lost' ? { refundAttempt: true } : {}) },
      );
    }
    ids.push(sessionId);
  });
  return ids;
}

/** Report options for a store no run holds: liveness says every pid is dead. */
export function finishedRun(now: number, extra: Partial<ReportOptions> = {}): ReportOptions {
  return { state: 'state.db', hostname: hostname(), isAlive: () => false, now, ...extra };
}

export function report(t: TestStore, options: ReportOptions): MetricsReport {
  return buildReport(t.reader(), options);
}

/** A deterministic generator, so a failing case can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
