import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeResult, runCommand } from '../merge/command.js';
import type { Clock } from '../runtime/clock.js';
import { hookEnv, type HookContext, type HookName } from './env.js';

/** How every hook runs: the run's environment, its clock, and the limits. */
export interface HookSettings {
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** hooks.timeoutMs */
  timeoutMs: number;
  killGraceMs: number;
  /** A hook's output is cut at this many bytes in its log, as a session's is. */
  logMaxBytes: number;
}

export interface HookResult {
  ok: boolean;
  /** Why it failed, e.g. `hook beforeRun (make db) failed: exit code 2`; null when it succeeded. */
  reason: string | null;
  /** Where its output went. */
  logPath: string;
  /** It was stopped through the signal (its session was stopped), rather than failing on its own. */
  stopped: boolean;
}

/**
 * Run one hook: its argv as given (no shell), in its workspace, in its own
 * process group, with the HARNESS_* variables of `context`, its output
 * appended to `logPath` between two marked lines. Asynchronous: other
 * sessions go on while it runs. Past hooks.timeoutMs it gets SIGTERM, then
 * SIGKILL after killGraceMs, and counts as failed.
 */
export async function runHook(
  hook: HookName,
  argv: readonly string[],
  context: HookContext,
  logPath: string,
  settings: HookSettings,
  control: { signal?: AbortSignal; onProgress?(): void } = {},
): Promise<HookResult> {
  const shown = argv.join(' ');
  const result = await runCommand(argv, {
    cwd: context.workspace,
    logPath,
    append: true,
    header: `[harness] hook ${hook}: ${shown}`,
    logMaxBytes: settings.logMaxBytes,
    env: hookEnv(settings.env, hook, context),
    clock: settings.clock,
    timeoutMs: settings.timeoutMs,
    killGraceMs: settings.killGraceMs,
    ...(control.signal ? { signal: control.signal } : {}),
    ...(control.onProgress ? { onOutput: control.onProgress } : {}),
  });
  const stopped = result.stopped === true;
  if (result.ok) return { ok: true, reason: null, logPath, stopped };
  const reason = `hook ${hook} (${shown}) ${result.timedOut ? '' : 'failed: '}${describeResult(result, settings.timeoutMs)}`;
  note(logPath, `[harness] ${reason}\n`);
  return { ok: false, reason, logPath, stopped };
}

/** A line of harness's own in a hook's log; a log that cannot be written costs the note, not the run. */
function note(logPath: string, line: string): void {
  try {
    mkdirSync(dirname(logPath), { recursive: true });
    appendFileSync(logPath, line);
  } catch {
    // A full disk: the reason is still reported.
  }
}
