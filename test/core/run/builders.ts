import type { Command, RunEvent } from '../../../src/core/run/protocol.js';
import { defaultRules } from '../../../src/core/run/rules.js';
import { emptyCounts, initialState, type QueueView, type RunRules, type RunState, type SessionRecord, type WorkerRecord } from '../../../src/core/run/state.js';
import { step } from '../../../src/core/run/step.js';
import type { IssueRow } from '../../../src/store/types.js';

/** Rules of a dispatching run with small, literal timings. */
export function rules(given: Parameters<typeof defaultRules>[0] = {}): RunRules {
  return defaultRules({
    dispatches: true,
    maxAttempts: 3,
    sessionTimeoutMs: 60_000,
    retryDelayMs: 1_000,
    progressPersistMs: 5_000,
    ...given,
    scale: { minWorkers: 2, maxWorkers: 10, healthCheckIntervalMs: 1_000, workerStallTimeoutMs: 10_000, scaleCooldownMs: 5_000, ...given.scale },
  });
}

export function view(counts: Partial<QueueView['counts']> = {}, nextRetryAt: number | null = null): QueueView {
  return { counts: { ...emptyCounts(), ...counts }, nextRetryAt, mergeDepth: 0, spent: { costUsd: 0, inputTokens: 0, outputTokens: 0 } };
}

export function issue(id: string, extra: Partial<IssueRow> = {}): IssueRow {
  return { id, title: `issue ${id}`, body: '', priority: 2, labels: [], status: 'running', attempts: 1, priorAttempts: 0, seq: 1, createdAt: 0, updatedAt: 0, notBefore: null, lastError: null, branch: null, resumeFrom: null, spentUsd: 0, spentTokens: 0, ...extra };
}

export function worker(id: string, extra: Partial<WorkerRecord> = {}): WorkerRecord {
  return { id, state: 'idle', sessionsRun: 0, createdAt: 0, sessionId: null, claiming: false, ...extra };
}

/** A running session; its issue has spent `extra.attempt` attempts (1 by default). */
export function session(id: string, workerId: string, extra: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id,
    workerId,
    startedAt: 0,
    lastProgressAt: 0,
    stalledAt: null,
    issue: issue(`I-${id}`, { attempts: extra.attempt ?? 1 }),
    attempt: 1,
    phase: 'running',
    persistedProgressAt: 0,
    killReason: null,
    branch: null,
    exit: null,
    agent: null,
    resumedFrom: null,
    probe: false,
    budgetNote: null,
    ...extra,
  };
}

export interface Setup {
  rules?: RunRules;
  phase?: RunState['phase'];
  workers?: WorkerRecord[];
  /** Sessions; their workers are made busy. */
  sessions?: SessionRecord[];
  view?: QueueView;
  queueDepth?: number;
}

/** A running state: these workers, these sessions, this queue. */
export function state(setup: Setup = {}): RunState {
  const s = initialState(setup.rules ?? rules());
  s.phase = setup.phase ?? 'running';
  let n = 0;
  for (const w of setup.workers ?? []) {
    s.pool.workers.set(w.id, w);
    n = Math.max(n, Number(w.id.replace(/\D/g, '')) || 0);
  }
  s.pool.nextNumber = n + 1;
  for (const x of setup.sessions ?? []) {
    s.sessions.set(x.id, x);
    const w = s.pool.workers.get(x.workerId);
    if (w) Object.assign(w, { state: w.state === 'idle' ? 'busy' : w.state, sessionId: x.id });
  }
  if (setup.view) s.queue = setup.view;
  s.queueDepth = setup.queueDepth ?? s.queue.counts.queued;
  return s;
}

/** Step each event at its time; all commands, in order. */
export function run(s: RunState, events: [RunEvent, number][]): Command[] {
  const all: Command[] = [];
  for (const [event, at] of events) all.push(...step(s, event, at).commands);
  return all;
}

/** The commands without `emit` and `write`: what the interpreter is asked to do. */
export const actions = (commands: Command[]) => commands.filter((c) => c.type !== 'emit' && c.type !== 'write');
export const emitted = (commands: Command[]) => commands.flatMap((c) => (c.type === 'emit' ? [c.name] : []));
export const writes = (commands: Command[]) => commands.flatMap((c) => (c.type === 'write' ? [c.write] : []));
