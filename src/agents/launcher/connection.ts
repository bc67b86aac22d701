import type { ChildProcess } from 'node:child_process';
import type { Clock } from '../../runtime/clock.js';
import { killGroup } from '../process-group.js';
import type { SessionCallbacks, SessionHandle, SessionSpec } from '../types.js';
import { LineReader, Outbox, type LauncherEvent, type LauncherInit } from './protocol.js';
import { setLauncherReferenced, stopLauncher } from './spare.js';

interface LaunchedSession {
  callbacks: SessionCallbacks;
  handle: { pid: number | null; pgid: number | null; kill(): void };
}

/**
 * The harness's side of one launcher process (./child.ts): sends it sessions
 * to start and kill, and turns what it reports into the session callbacks.
 *
 * If the launcher dies while sessions run (a bug, the OOM killer), their
 * agents are killed with SIGKILL, since nothing is left to read their output
 * or enforce their grace period, and each session ends with an error, so the
 * coordinator retries its issue.
 */
export class LauncherConnection {
  private readonly child: ChildProcess;
  private readonly outbox: Outbox;
  private readonly sessions = new Map<string, LaunchedSession>();
  private readonly exited: Promise<void>;
  private closing = false;
  private dead = false;
  private referenced = true;

  /** `child` is a launcher process that has not been given its init line yet. */
  constructor(
    child: ChildProcess,
    init: LauncherInit,
    private readonly clock: Clock,
    private readonly onDeath: (connection: LauncherConnection) => void,
  ) {
    this.child = child;
    const { stdin, stdout } = this.child;
    if (!stdin || !stdout) throw new Error('launcher started without pipes');
    stdin.on('error', () => {
      // The launcher is gone; its exit event ends the sessions.
    });
    this.outbox = new Outbox((text) => {
      if (!this.dead) stdin.write(text);
    });
    this.outbox.send(init);
    const reader = new LineReader((line) => this.onEvent(JSON.parse(line) as LauncherEvent));
    stdout.setEncoding('utf8');
    stdout.on('data', (chunk: string) => reader.push(chunk));
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
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

  start(spec: SessionSpec, callbacks: SessionCallbacks): SessionHandle {
    const { sessionId } = spec;
    const handle = {
      pid: null as number | null,
      pgid: null as number | null,
      kill: () => {
        if (this.sessions.has(sessionId)) this.outbox.send({ type: 'kill', sessionId });
      },
    };
    this.sessions.set(sessionId, { callbacks, handle });
    this.setReferenced(true);
    this.outbox.send({ type: 'start', spec });
    return handle;
  }

  /** Close stdin, which makes the launcher exit; after `timeoutMs`, SIGKILL it. */
  async close(timeoutMs: number): Promise<void> {
    if (this.dead) return;
    this.closing = true;
    this.outbox.flush();
    await stopLauncher(this.child, timeoutMs);
    await this.exited;
  }

  private onEvent(event: LauncherEvent): void {
    const session = this.sessions.get(event.sessionId);
    if (!session) return;
    switch (event.type) {
      case 'spawn':
        session.handle.pid = event.pid;
        session.handle.pgid = event.pgid;
        session.callbacks.onSpawn?.(event.pid, event.pgid);
        return;
      case 'progress':
        session.callbacks.onProgress(this.clock.now());
        return;
      case 'exit':
        this.sessions.delete(event.sessionId);
        if (this.sessions.size === 0) this.setReferenced(false);
        session.callbacks.onExit(event.exit);
        return;
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null, error?: string): void {
    if (this.dead) return;
    this.dead = true;
    const how = error ?? (signal ? `was killed by ${signal}` : `exited with code ${code}`);
    const left = [...this.sessions.values()];
    this.sessions.clear();
    this.setReferenced(false);
    if (!this.closing || left.length > 0) this.onDeath(this);
    for (const { handle, callbacks } of left) {
      if (handle.pgid !== null) {
        try {
          killGroup(handle.pgid, 'SIGKILL');
        } catch {
          // Not ours to signal any more; nothing else can be done.
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
