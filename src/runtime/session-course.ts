/**
 * A session's course around its agent: the beforeRun hook, the agent (the
 * SessionRunner), the afterRun hook, and letting go of the workspace (worker
 * mode), in that order, reported to the run as one session. The run sees
 * one exit, after all of it: the worker stays busy, and the session's
 * timeout and stall check keep watching, until the course is over.
 */
import type { SessionCallbacks, SessionExit, SessionHandle, SessionRunner, SessionSpec } from '../agents/types.js';
import type { SessionHooks } from './coordinator-types.js';

export interface CourseParts {
  runner: SessionRunner;
  hooks: SessionHooks | null;
  /** After afterRun, before the end is reported: the workspace lets go of the session (worker mode). */
  release: ((spec: SessionSpec) => Promise<void>) | null;
  /** The time a hook's output is reported as progress. */
  now(): number;
}

/** Start the session's course; without hooks or a release it is the agent alone, started at once. */
export function startSession(parts: CourseParts, spec: SessionSpec, callbacks: SessionCallbacks): SessionHandle {
  if (parts.hooks === null && parts.release === null) return parts.runner.start(spec, callbacks);
  const course = new SessionCourse(parts, spec, callbacks);
  void course.run();
  return course;
}

/** Which part of the course is running, so kill() stops that part. */
type Stage = 'before' | 'agent' | 'after' | 'over';

class SessionCourse implements SessionHandle {
  private stage: Stage = 'before';
  private agent: SessionHandle | null = null;
  /** Aborted by kill() while a hook runs: the hook is stopped (SIGTERM, then SIGKILL). */
  private hookStop = new AbortController();
  private killed = false;

  constructor(
    private readonly parts: CourseParts,
    private readonly spec: SessionSpec,
    private readonly callbacks: SessionCallbacks,
  ) {}

  get pid(): number | null {
    return this.agent?.pid ?? null;
  }

  get pgid(): number | null {
    return this.agent?.pgid ?? null;
  }

  kill(): void {
    if (this.stage === 'over') return;
    if (this.stage === 'agent') {
      this.agent?.kill();
      return;
    }
    this.killed = true;
    this.hookStop.abort();
  }

  async run(): Promise<void> {
    const { hooks, release } = this.parts;
    const control = { signal: this.hookStop.signal, onProgress: () => this.callbacks.onProgress(this.parts.now()) };
    let exit: SessionExit;
    const refusal = hooks ? await hooks.beforeRun(this.spec, control).catch(describe) : null;
    if (this.killed) exit = { exitCode: null, signal: 'SIGTERM' };
    else if (refusal !== null) exit = { exitCode: null, signal: null, error: refusal };
    else exit = await this.runAgent();
    // Each part of the course is stopped on its own: a kill during the agent leaves afterRun to run.
    this.stage = 'after';
    this.killed = false;
    this.hookStop = new AbortController();
    if (hooks) await hooks.afterRun(this.spec, exit, { signal: this.hookStop.signal, onProgress: control.onProgress }).catch(() => undefined);
    if (release) await release(this.spec).catch(() => undefined);
    this.stage = 'over';
    this.callbacks.onExit(exit);
  }

  private runAgent(): Promise<SessionExit> {
    this.stage = 'agent';
    return new Promise((resolve) => {
      try {
        this.agent = this.parts.runner.start(this.spec, { ...this.callbacks, onExit: resolve });
      } catch (error) {
        resolve({ exitCode: null, signal: null, error: describe(error) });
      }
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
