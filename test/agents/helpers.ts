import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isGroupAlive, killGroup } from '../../src/agents/process-group.js';
import { LauncherRunner, type LauncherRunnerOptions } from '../../src/agents/launcher/runner.js';
import { ProcessRunner } from '../../src/agents/process-runner.js';
import type { AgentEvent } from '../../src/agents/formats/events.js';
import type { SessionExit, SessionHandle, SessionRunner, SessionSpec } from '../../src/agents/types.js';
import { realClock } from '../../src/runtime/clock.js';
import type { IssueRow } from '../../src/store/types.js';

export const fixturesDir = fileURLToPath(new URL('../fixtures/agents/', import.meta.url));

export function fixture(name: string): string[] {
  return [process.execPath, join(fixturesDir, name)];
}

export function issue(overrides: Partial<IssueRow> = {}): IssueRow {
  return {
    id: 'ISSUE-1',
    title: 'Fix the widget',
    body: 'The widget is broken.',
    priority: 1,
    labels: ['bug'],
    status: 'running',
    attempts: 1,
    priorAttempts: 0,
    seq: 1,
    createdAt: 0,
    updatedAt: 0,
    notBefore: null,
    lastError: null,
    branch: null,
    resumeFrom: null,
    spentUsd: 0,
    spentTokens: 0,
    ...overrides,
  };
}

/** A session under test: its handle, every progress time, and its exit. */
export interface RunningSession {
  handle: SessionHandle;
  spec: SessionSpec;
  progress: number[];
  /** What the runner parsed from the agent's output (structured formats). */
  agentEvents: AgentEvent[];
  /** Pids of the agent processes started, in order (a refused resume starts a second). */
  pids: number[];
  exited: Promise<SessionExit>;
  exitCount: () => number;
  /** Resolves with the pid once the agent process exists. */
  spawned: Promise<number>;
  /** Resolves at the first progress report. */
  firstProgress: Promise<number>;
  /** Resolves once `count` progress reports have arrived. */
  progressReports: (count: number) => Promise<void>;
}

/** Sessions started by every sandbox of this process. */
let sessionsStarted = 0;

/** The two runners of real processes: in the harness itself, or from launcher processes. */
export type RunnerKind = 'in-process' | 'launcher';

/**
 * A temp directory, a runner factory and the cleanup every test needs: any
 * process group a test started is killed afterwards, and every runner
 * closed, whatever happened.
 */
export class Sandbox {
  readonly dir = mkdtempSync(join(tmpdir(), 'harness-agents-'));
  private readonly groups = new Set<number>();
  private readonly runners: SessionRunner[] = [];
  private sessionCount = 0;

  constructor(readonly kind: RunnerKind = 'in-process') {}

  runner(overrides: Partial<LauncherRunnerOptions> & { command: string[] }): SessionRunner {
    const options: LauncherRunnerOptions = {
      promptTemplate: 'Issue {{id}}: {{title}}\n\n{{body}}\n',
      clock: realClock,
      killGraceMs: 2000,
      logMaxBytes: 1024 * 1024,
      heartbeatDir: join(this.dir, 'heartbeats'),
      ...overrides,
    };
    const runner = this.kind === 'launcher' ? new LauncherRunner(options) : new ProcessRunner(options);
    this.runners.push(runner);
    return runner;
  }

  start(runner: SessionRunner, specOverrides: Partial<SessionSpec> = {}): RunningSession {
    this.sessionCount += 1;
    const spec: SessionSpec = {
      // Unique on the machine: a session's processes are found by this id in any process's environment.
      sessionId: `s-${process.pid}-${++sessionsStarted}`,
      workerId: 'worker-1',
      attempt: 1,
      issue: issue(),
      cwd: this.dir,
      logPath: join(this.dir, 'logs', `s-${this.sessionCount}.log`),
      ...specOverrides,
    };
    const progress: number[] = [];
    const agentEvents: AgentEvent[] = [];
    const pids: number[] = [];
    const waiters: { count: number; resolve: () => void }[] = [];
    const progressReports = (count: number): Promise<void> =>
      progress.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }));
    let exits = 0;
    let resolveExit!: (exit: SessionExit) => void;
    let resolveProgress!: (at: number) => void;
    let resolveSpawn!: (pid: number) => void;
    const spawned = new Promise<number>((resolve) => (resolveSpawn = resolve));
    const exited = new Promise<SessionExit>((resolve) => (resolveExit = resolve));
    const firstProgress = new Promise<number>((resolve) => (resolveProgress = resolve));
    const groups = this.groups;
    const handle = runner.start(spec, {
      onSpawn(pid, pgid) {
        groups.add(pgid);
        pids.push(pid);
        resolveSpawn(pid);
      },
      onAgentEvents(events) {
        agentEvents.push(...events);
      },
      onProgress(at) {
        progress.push(at);
        resolveProgress(at);
        for (const waiter of waiters) if (progress.length >= waiter.count) waiter.resolve();
      },
      onExit(exit) {
        exits += 1;
        resolveExit(exit);
      },
    });
    return { handle, spec, progress, agentEvents, pids, exited, exitCount: () => exits, spawned, firstProgress, progressReports };
  }

  log(session: RunningSession): string {
    return readFileSync(session.spec.logPath!, 'utf8');
  }

  async cleanup(): Promise<void> {
    for (const pgid of this.groups) if (isGroupAlive(pgid)) killGroup(pgid, 'SIGKILL');
    await Promise.all(this.runners.map((runner) => runner.close?.()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Whether a pid is a live process. A killed process whose parent is gone may
 * linger as a zombie until init reaps it; a zombie is dead for our purposes.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Poll (bounded) until `pid` is gone; returns whether it went. */
export async function waitForDeath(pid: number, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return !pidAlive(pid);
}
