import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Clock } from '../../runtime/clock.js';
import { findSessionProcesses, killGroup } from '../process-group.js';
import { describeSpawnFailure } from '../session-files.js';
import type { AgentOutput } from '../agent-output.js';
import type { SessionCallbacks, SessionExit, SessionHandle } from '../types.js';
import { setLauncherReferenced, spawnLauncher, stopLauncher } from './binary.js';
import {
  encodeInit,
  encodeKill,
  encodeStart,
  ByteLineReader,
  decodeEventBytes,
  Outbox,
  type LauncherEvent,
  type LauncherInit,
  type LauncherStart,
} from './protocol.js';

interface LaunchedSession {
  sessionId: string;
  cwd: string;
  /** The program the session runs, for a spawn failure's message. */
  program: string;
  /** The reader of a structured session's stdout; null for a text one. */
  output: AgentOutput | null;
  callbacks: SessionCallbacks;
  handle: { pid: number | null; pgid: number | null; kill(): void };
}

/**
 * The harness's side of one launcher process (native/launcher.c): sends it
 * sessions to start and kill, and turns what it reports into the session
 * callbacks.
 *
 * If the launcher dies while sessions run (a bug, the OOM killer), their
 * agents are killed with SIGKILL, since nothing is left to read their output
 * or enforce their grace period, and so is every process carrying their
 * session ids (what the launcher had adopted now belongs to init); each
 * session ends with an error, so the coordinator retries its issue.
 */
export class LauncherConnection {
  private readonly child: ChildProcess;
  private readonly outbox: Outbox;
  private readonly sessions = new Map<string, LaunchedSession>();
  private readonly exited: Promise<void>;
  private nextKey = 1;
  /** Outputs with parsed events not yet reported, in the group of events being reported. */
  private readonly parsed = new Set<AgentOutput>();
  private closing = false;
  private dead = false;
  private referenced = true;

  /**
   * `deliver` is handed a function that reports the events read together
   * from the launcher; it may wrap it (`harness run` commits the store
   * changes they cause as one transaction).
   */
  constructor(
    binary: string,
    private readonly init: LauncherInit,
    private readonly clock: Clock,
    private readonly onDeath: (connection: LauncherConnection) => void,
    private readonly deliver: (events: () => void) => void = (events) => events(),
  ) {
    this.child = spawnLauncher(binary);
    const { stdin, stdout } = this.child;
    if (!stdin || !stdout) throw new Error('launcher started without pipes');
    stdin.on('error', () => {
      // The launcher is gone; its exit event ends the sessions.
    });
    this.outbox = new Outbox((text) => {
      if (!this.dead) stdin.write(text);
    });
    this.outbox.send(encodeInit(init));
    const pending: LauncherEvent[] = [];
    const reader = new ByteLineReader((bytes, start, end) => {
      const event = decodeEventBytes(bytes, start, end);
      if (event) pending.push(event);
    });
    stdout.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      this.report(pending.splice(0));
    });
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': every event the launcher wrote before it ended is read first.
      // Only the launcher holds its stdout (agents get their own pipes), so 'close' follows its end.
      this.child.on('close', (code, signal) => {
        this.onExit(code, signal);
        resolve();
      });
      this.child.on('error', (error) => {
        // Only a failed spawn reaches here without an exit event.
        if (this.child.pid === undefined) {
          this.onExit(null, null, error.message);
          resolve();
        }
      });
    });
    this.setReferenced(false);
  }

  /** Sessions started here whose exit has not been reported. */
  get load(): number {
    return this.sessions.size;
  }

  /**
   * Start a session; `request` has everything but the key, which is this
   * connection's to give. A structured session's stdout lines go to `output`.
   */
  start(sessionId: string, request: Omit<LauncherStart, 'key'>, callbacks: SessionCallbacks, output: AgentOutput | null = null): SessionHandle {
    const key = String(this.nextKey++);
    const handle = {
      pid: null as number | null,
      pgid: null as number | null,
      kill: () => {
        if (this.sessions.has(key)) this.outbox.send(encodeKill(key));
      },
    };
    const program = request.argv[0] ?? this.init.command[0] ?? '';
    this.sessions.set(key, { sessionId, cwd: request.cwd, program, output, callbacks, handle });
    this.setReferenced(true);
    this.outbox.send(encodeStart({ ...request, key }));
    return handle;
  }

  /** Close stdin, which makes the launcher exit; after `timeoutMs`, SIGKILL it. */
  async close(timeoutMs: number): Promise<void> {
    if (this.dead) return;
    this.closing = true;
    this.outbox.flush();
    // Alive until the launcher's stdout has closed and 'close' has reported it.
    this.setReferenced(true);
    await stopLauncher(this.child, timeoutMs);
    await this.exited;
  }

  /**
   * Report a group of events. A callback that throws does not keep the
   * others from being reported; the first error is thrown afterwards, as it
   * would have been without grouping.
   */
  private report(events: LauncherEvent[]): void {
    if (events.length === 0) return;
    const errors: unknown[] = [];
    let reported = false;
    const reportAll = (): void => {
      reported = true;
      for (const event of events) {
        try {
          this.onEvent(event);
        } catch (error) {
          errors.push(error);
        }
      }
      for (const output of this.parsed) {
        try {
          output.flush();
        } catch (error) {
          errors.push(error);
        }
      }
      this.parsed.clear();
    };
    try {
      this.deliver(reportAll);
    } catch (error) {
      errors.push(error);
      // A wrapper that failed before reporting (the store could not begin
      // its transaction) must not lose the events: a lost exit would leave
      // its session running forever.
      if (!reported) reportAll();
    }
    if (errors.length > 0) throw errors[0];
  }

  private onEvent(event: LauncherEvent): void {
    const session = this.sessions.get(event.key);
    if (!session) return;
    switch (event.type) {
      case 'spawn':
        // The agent leads its own process group.
        session.handle.pid = event.pid;
        session.handle.pgid = event.pid;
        session.callbacks.onSpawn?.(event.pid, event.pid);
        return;
      case 'progress':
        session.callbacks.onProgress(this.clock.now());
        return;
      case 'out':
        // Parsed now, reported at the end of the group (report()): one report per read, not per line.
        if (!session.output) return;
        session.output.stdout(event.line, true);
        this.parsed.add(session.output);
        return;
      case 'long':
        session.output?.skipped(event.bytes, this.init.lineMaxBytes);
        return;
      case 'err':
        session.output?.stderr(event.text);
        return;
      case 'exit':
        this.end(event.key, session, { exitCode: event.exitCode, signal: event.signal });
        return;
      case 'fail': {
        const error =
          event.stage === 'files'
            ? `could not prepare files for session ${session.sessionId}: ${event.message}`
            : describeSpawnFailure(event.code, event.message, session.program, session.cwd, existsSync(session.cwd));
        this.end(event.key, session, { exitCode: null, signal: null, error });
        return;
      }
    }
  }

  private end(key: string, session: LaunchedSession, exit: SessionExit): void {
    this.sessions.delete(key);
    if (this.sessions.size === 0) this.setReferenced(false);
    session.callbacks.onExit(exit);
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, error?: string): void {
    if (this.dead) return;
    this.dead = true;
    const how = error ?? (signal ? `was killed by ${signal}` : `exited with code ${code}`);
    const left = [...this.sessions.values()];
    this.sessions.clear();
    this.setReferenced(false);
    if (!this.closing || left.length > 0) this.onDeath(this);
    for (const { sessionId, handle, callbacks } of left) {
      if (handle.pgid !== null) {
        try {
          killGroup(handle.pgid, 'SIGKILL');
        } catch {
          // Not ours to signal any more; nothing else can be done.
        }
      }
      for (const pid of findSessionProcesses(sessionId)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
      callbacks.onExit({
        exitCode: null,
        signal: null,
        error: `the session launcher (pid ${this.child.pid ?? 'none'}) ${how}; the agent was stopped`,
      });
    }
  }

  /**
   * A launcher keeps the harness alive only while it runs sessions, so a
   * program that forgets to close the runner still exits when its work is done.
   */
  private setReferenced(referenced: boolean): void {
    if (this.referenced === referenced) return;
    this.referenced = referenced;
    setLauncherReferenced(this.child, referenced);
  }
}
