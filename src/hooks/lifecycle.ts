import { devNull } from 'node:os';
import { basename, join } from 'node:path';
import type { SessionExit, SessionSpec } from '../agents/types.js';
import type { HooksConfig } from '../config/types.js';
import type { EventBus } from '../core/events.js';
import { HarnessError } from '../errors.js';
import type { SessionHooks } from '../runtime/coordinator-types.js';
import { sanitizeIssueId } from '../workspace/sanitize.js';
import type { HookContext, HookName } from './env.js';
import { runHook, type HookResult, type HookSettings } from './run-hook.js';

/** A hook whose failure fails what it guards (afterCreate: the workspace's preparation). */
export class HookError extends HarnessError {}

export interface LifecycleHookOptions extends Omit<HookSettings, 'timeoutMs'> {
  hooks: Readonly<HooksConfig>;
  /** The state's log directory: afterCreate and beforeRemove write to `<logDir>/hooks/`; null for none. */
  logDir: string | null;
  /** Where failures are reported (`hook:failed`). */
  events: EventBus | null;
}

type Control = { signal?: AbortSignal; onProgress?(): void };

/**
 * The configured lifecycle hooks, run at their points:
 *
 * - afterCreate, in a workspace harness has just created: a failure throws
 *   HookError, which fails the preparation (the workspace is removed again);
 * - beforeRun, before each session's agent: a failure fails the attempt;
 * - afterRun, after each session, whatever its end;
 * - beforeRemove, before harness removes a workspace it created.
 *
 * The session hooks write to the session's log; the workspace hooks to
 * `<logDir>/hooks/<workspace>.log`. Every failure is also reported as
 * `hook:failed`; afterRun's and beforeRemove's change nothing else.
 */
export class LifecycleHooks implements SessionHooks {
  private readonly settings: HookSettings;

  constructor(private readonly options: LifecycleHookOptions) {
    const { hooks: _hooks, logDir: _logDir, events: _events, ...settings } = options;
    this.settings = { ...settings, timeoutMs: options.hooks.timeoutMs };
  }

  has(hook: HookName): boolean {
    return this.options.hooks[hook] !== null;
  }

  /** The session hooks for the run, or null when neither beforeRun nor afterRun is set (sessions then start as they always did). */
  forSessions(): SessionHooks | null {
    return this.has('beforeRun') || this.has('afterRun') ? this : null;
  }

  async afterCreate(context: HookContext): Promise<void> {
    const result = await this.run('afterCreate', context, this.workspaceLog(context.workspace));
    if (result && !result.ok) throw new HookError(`${result.reason}; log: ${result.logPath}`);
  }

  /** Never throws: the workspace goes all the same. */
  async beforeRemove(context: HookContext): Promise<void> {
    await this.run('beforeRemove', context, this.workspaceLog(context.workspace)).catch(() => null);
  }

  async beforeRun(spec: SessionSpec, control: Control): Promise<string | null> {
    const result = await this.run('beforeRun', sessionContext(spec, null), this.sessionLog(spec), control);
    if (!result || result.ok || result.stopped) return null;
    return result.reason;
  }

  async afterRun(spec: SessionSpec, exit: SessionExit, control: Control): Promise<void> {
    await this.run('afterRun', sessionContext(spec, exit), this.sessionLog(spec), control);
  }

  /** Run `hook` if it is set; a failure is reported, and returned. */
  private async run(hook: HookName, context: HookContext, logPath: string, control: Control = {}): Promise<HookResult | null> {
    const argv = this.options.hooks[hook];
    if (argv === null) return null;
    const result = await runHook(hook, argv, context, logPath, this.settings, control);
    if (!result.ok && !result.stopped) {
      this.options.events?.emit('hook:failed', {
        at: this.settings.clock.now(),
        hook,
        workspace: context.workspace,
        issueId: context.issue?.id ?? null,
        sessionId: context.sessionId ?? null,
        workerId: context.workerId ?? null,
        reason: result.reason ?? `hook ${hook} failed`,
        logPath: logPath === devNull ? null : logPath,
      });
    }
    return result;
  }

  /** A session hook's output goes to the session's log, before and after its agent's. */
  private sessionLog(spec: SessionSpec): string {
    return spec.logPath ?? (this.options.logDir ? join(this.options.logDir, 'hooks', `${sanitizeIssueId(spec.sessionId)}.log`) : devNull);
  }

  /** One log per workspace for its afterCreate and beforeRemove, added to each time. */
  private workspaceLog(workspace: string): string {
    return this.options.logDir ? join(this.options.logDir, 'hooks', `${basename(workspace)}.log`) : devNull;
  }
}

function sessionContext(spec: SessionSpec, exit: SessionExit | null): HookContext {
  return {
    workspace: spec.cwd,
    issue: { id: spec.issue.id, title: spec.issue.title },
    sessionId: spec.sessionId,
    workerId: spec.workerId,
    attempt: spec.attempt,
    ...(exit ? { exit } : {}),
  };
}
