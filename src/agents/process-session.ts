import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import type { Clock, TimerHandle } from '../runtime/clock.js';
import type { AgentOutput } from './agent-output.js';
import { withParentDir } from './dirs.js';
import { buildSessionEnv } from './env.js';
import { CappedLogWriter } from './log-writer.js';
import { findSessionProcesses, isGroupAlive, processGroupOf, signalGroup, signalProcess } from './process-group.js';
import { renderPrompt } from './prompt.js';
import { describeSpawnError, issueFileText, type SessionPaths } from './session-files.js';
import type { SessionCallbacks, SessionExit, SessionSpec } from './types.js';

export interface ProcessSessionOptions {
  /** The agent command and its arguments, run without a shell (e.g. ['claude', '-p']), unless a run gives its own argv. */
  command: string[];
  /** Prompt written to the agent's stdin; placeholders as in renderPrompt. */
  promptTemplate: string;
  clock: Clock;
  /** Milliseconds between SIGTERM and SIGKILL when a session is stopped. */
  killGraceMs: number;
  /** Bytes of output kept in each session's log; the rest is discarded. */
  logMaxBytes: number;
  /** Directory of the session files, one set per worker (./session-files.ts). */
  heartbeatDir: string;
  /** Base environment of agents. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Milliseconds between checks of the heartbeat file. Default 1000. */
  heartbeatPollMs?: number;
}

/** At most one progress report per this many ms of clock time per session. */
export const PROGRESS_COALESCE_MS = 250;
/**
 * After the agent exits, how long to keep reading output still in the pipes
 * before reporting the exit. Bounded because a process the agent left behind
 * may hold the pipes open.
 */
export const EXIT_FLUSH_MS = 200;
export const DEFAULT_HEARTBEAT_POLL_MS = 1000;

/**
 * One agent process from spawn to the moment nothing of it is left.
 *
 *   spawned → exited       the leader's 'exit' event; the group is reaped
 *   exited  → reported     output drained (stdio closed) or EXIT_FLUSH_MS passed; onExit
 *   reported → finished    stdio closed, or given up on; log closed (the runner removes the files when closed)
 *
 * A spawn failure goes straight to reported and finished, with an error.
 */
export class ProcessSession {
  pid: number | null = null;
  pgid: number | null = null;

  private readonly clock: Clock;
  private child: ChildProcess | null = null;
  private log: CappedLogWriter | null = null;
  private files: SessionPaths | null = null;

  private exit: SessionExit | null = null;
  private stdioClosed = false;
  private reported = false;
  private finished = false;
  private terminating = false;
  /** The grace period is over: what is left gets SIGKILL. */
  private killSent = false;
  /** Seen empty after the session ended: from then on the group id may belong to someone else. */
  private groupGone = false;

  private heartbeatTimer: TimerHandle | null = null;
  private flushTimer: TimerHandle | null = null;
  private abandonTimer: TimerHandle | null = null;
  private killTimer: TimerHandle | null = null;
  private lastProgressAt = Number.NEGATIVE_INFINITY;
  private heartbeatMtime = 0;

  constructor(
    private readonly options: ProcessSessionOptions,
    private readonly spec: SessionSpec,
    private readonly callbacks: SessionCallbacks,
    /** Where the session's files go (./session-files.ts). */
    private readonly paths: SessionPaths,
    /** This run's argv; the reader of its stdout when its format is read (null: every output is progress). */
    private readonly run: { argv: readonly string[]; output: AgentOutput | null } = { argv: options.command, output: null },
  ) {
    this.clock = options.clock;
  }

  begin(): void {
    const [command = '', ...args] = this.run.argv;
    let promptFd: number;
    try {
      this.files = this.prepareFiles();
      if (this.spec.logPath !== null) this.log = new CappedLogWriter(this.spec.logPath, this.options.logMaxBytes);
      promptFd = this.writePrompt(this.files.promptFile);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.failToStart(`could not prepare files for session ${this.spec.sessionId}: ${message}`);
      return;
    }

    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        cwd: this.spec.cwd,
        env: buildSessionEnv(this.options.env ?? process.env, this.spec, this.files),
        stdio: [promptFd, 'pipe', 'pipe'],
        detached: true,
        shell: false,
        windowsHide: true,
      });
    } catch (error) {
      // Node throws synchronously for some failures (E2BIG, invalid arguments).
      this.failToStart(describeSpawnError(error, command, this.spec.cwd));
      return;
    } finally {
      // The agent has its own copy of the descriptor now.
      closeSync(promptFd);
    }
    this.child = child;
    child.on('error', (error) => {
      // After a successful spawn, errors come from signalling; the exit event still follows.
      if (child.pid === undefined) this.failToStart(describeSpawnError(error, command, this.spec.cwd));
    });
    if (child.pid === undefined) return;

    this.pid = child.pid;
    this.pgid = child.pid;
    for (const stream of [child.stdout, child.stderr]) stream?.on('error', () => {});
    child.stdout?.on('data', (chunk: Buffer) => this.onOutput(chunk, 'stdout'));
    child.stderr?.on('data', (chunk: Buffer) => this.onOutput(chunk, 'stderr'));
    child.on('exit', (code, signal) => this.onExit(code, signal));
    child.on('close', () => this.onStdioClosed());
    this.heartbeatTimer = this.clock.setInterval(
      () => this.pollHeartbeat(),
      this.options.heartbeatPollMs ?? DEFAULT_HEARTBEAT_POLL_MS,
    );
    this.callbacks.onSpawn?.(child.pid, child.pid);
  }

  /** SIGTERM to the group now, SIGKILL after the grace period if anything is left. Idempotent. */
  kill(): void {
    const pgid = this.pgid;
    if (pgid === null || this.groupGone) return;
    if (this.exit === null || isGroupAlive(pgid)) this.terminate(pgid);
  }

  /** The issue file and the (empty) heartbeat file (./session-files.ts), rewritten for this session. */
  private prepareFiles(): SessionPaths {
    const { issueFile, heartbeatFile } = this.paths;
    withParentDir(issueFile, () => writeFileSync(issueFile, issueFileText(this.spec.issue)));
    writeFileSync(heartbeatFile, '');
    this.heartbeatMtime = statSync(heartbeatFile).mtimeMs;
    return this.paths;
  }

  /**
   * The rendered prompt, in a file the agent gets as its stdin: it reads the
   * prompt and then end of file, as from a closed pipe, and an agent that
   * never reads it blocks nothing. Written at offset 0 without moving the
   * shared file offset, so the agent reads from the start.
   */
  private writePrompt(promptFile: string): number {
    const fd = openSync(promptFile, 'w+');
    try {
      const prompt = Buffer.from(renderPrompt(this.options.promptTemplate, this.spec.issue, this.spec.attempt), 'utf8');
      let written = 0;
      while (written < prompt.length) written += writeSync(fd, prompt, written, prompt.length - written, written);
      return fd;
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Output goes to the log; it is progress itself unless the agent's stdout is read, whose work events are then the progress. */
  private onOutput(chunk: Buffer, stream: 'stdout' | 'stderr'): void {
    this.log?.write(chunk);
    const output = this.run.output;
    if (output === null) this.progress();
    else if (!this.reported) output[stream](chunk);
  }

  private progress(): void {
    if (this.reported) return;
    const now = this.clock.now();
    if (now - this.lastProgressAt < PROGRESS_COALESCE_MS) return;
    this.lastProgressAt = now;
    this.callbacks.onProgress(now);
  }

  private pollHeartbeat(): void {
    if (this.files === null) return;
    try {
      const mtime = statSync(this.files.heartbeatFile).mtimeMs;
      if (mtime === this.heartbeatMtime) return;
      this.heartbeatMtime = mtime;
      this.progress();
    } catch {
      // The agent removed or replaced the file; only a visible touch counts.
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exit !== null || this.reported) return;
    this.exit = { exitCode: code, signal };
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = null;
    // Anything still in the group, or moved out of it (setsid) but carrying
    // this session's id, was started by the agent and outlived it. While a
    // member lives the kernel keeps the group id reserved, so the signal
    // cannot reach an unrelated group. A session being stopped already had
    // its SIGTERM (and SIGKILL, once the grace is over): what it left gets the same.
    if (this.pgid !== null) {
      if (this.terminating) this.signalEscaped(this.killSent ? 'SIGKILL' : 'SIGTERM');
      else if (isGroupAlive(this.pgid) || this.escaped().length > 0) this.terminate(this.pgid);
      // An empty group never fills again; only its id may be reused.
      else this.groupGone = true;
    }
    if (this.stdioClosed) this.report();
    else this.flushTimer = this.clock.setTimeout(() => this.report(), Math.min(EXIT_FLUSH_MS, this.options.killGraceMs));
  }

  private onStdioClosed(): void {
    this.stdioClosed = true;
    if (this.exit !== null && !this.reported) this.report();
    else if (this.reported) this.finish();
  }

  private report(): void {
    if (this.reported || this.exit === null) return;
    this.reported = true;
    this.flushTimer?.cancel();
    this.flushTimer = null;
    if (this.stdioClosed) this.finish();
    else {
      // Something outside the group holds the pipes; stop reading them once the group is surely dead.
      this.abandonTimer = this.clock.setTimeout(() => this.finish(), this.options.killGraceMs + EXIT_FLUSH_MS);
    }
    this.callbacks.onExit(this.exit);
  }

  private failToStart(error: string): void {
    if (this.reported) return;
    this.reported = true;
    this.finish();
    // Deliver after start() has returned its handle, like every other exit.
    queueMicrotask(() => this.callbacks.onExit({ exitCode: null, signal: null, error }));
  }

  private terminate(pgid: number): void {
    if (this.terminating) return;
    this.terminating = true;
    signalGroup(pgid, 'SIGTERM');
    if (this.exit !== null) this.signalEscaped('SIGTERM');
    this.killTimer = this.clock.setTimeout(() => {
      this.killTimer = null;
      this.killSent = true;
      if (isGroupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
      this.signalEscaped('SIGKILL');
    }, this.options.killGraceMs);
  }

  /**
   * Processes of this session outside its group: what the agent started in
   * a new session or group (setsid), found by the HARNESS_SESSION_ID in
   * their environment (a scan of /proc; Linux only). One that cleared its
   * environment is not found here; the launcher, which reaps orphans, finds
   * those too.
   */
  private escaped(): number[] {
    return findSessionProcesses(this.spec.sessionId).filter((pid) => pid !== this.pid && processGroupOf(pid) !== this.pgid);
  }

  private signalEscaped(signal: NodeJS.Signals): void {
    for (const pid of this.escaped()) signalProcess(pid, signal);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const timer of [this.heartbeatTimer, this.flushTimer, this.abandonTimer]) timer?.cancel();
    this.heartbeatTimer = this.flushTimer = this.abandonTimer = null;
    this.child?.stdout?.destroy();
    this.child?.stderr?.destroy();
    this.log?.close();
    if (this.pgid !== null && (this.groupGone || !isGroupAlive(this.pgid))) {
      this.groupGone = true;
      // Only a session being stopped can have left something outside its group (onExit looked).
      if (!this.terminating || this.escaped().length === 0) {
        this.killTimer?.cancel();
        this.killTimer = null;
      }
    }
  }
}
