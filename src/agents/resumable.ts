/**
 * A session as the coordinator sees it, over one or, rarely, two runs of
 * the agent: a session that resumes a conversation the agent does not know
 * ("No conversation found", exit 1, before any work) is run again at once
 * without the resume, in the same log, which says so. The coordinator sees
 * one session: one exit, the second run's events, both pids in turn. Both
 * runners start their sessions through here.
 */
import { appendFileSync } from 'node:fs';
import type { Clock } from '../runtime/clock.js';
import { AgentOutput } from './agent-output.js';
import { withParentDir } from './dirs.js';
import type { AgentFormat } from './formats/events.js';
import type { SessionArgs } from './invocation.js';
import type { SessionCallbacks, SessionHandle, SessionSpec } from './types.js';

/** How a runner reads and starts its agent. */
export interface AgentRunOptions {
  /** The output format read from the agent's stdout; `text` (the default) reads none: every output is progress. */
  format?: AgentFormat;
  /** Each session's argv (its resume id and budget); default: the runner's fixed command. */
  argvFor?: (session: SessionArgs) => string[];
}

/** One run of the agent: its argv, and the reader of its output (null for `text`: output bytes are progress). */
export type StartRun = (spec: SessionSpec, argv: string[], output: AgentOutput | null, callbacks: SessionCallbacks) => SessionHandle;

export function startResumable(
  spec: SessionSpec,
  callbacks: SessionCallbacks,
  options: AgentRunOptions & { command: readonly string[]; clock: Pick<Clock, 'now'> },
  startRun: StartRun,
): SessionHandle {
  const format = options.format ?? 'text';
  let current: SessionHandle | null = null;
  let killed = false;

  const run = (runSpec: SessionSpec): void => {
    const [argv, resumeFrom] = argvOf(runSpec, options);
    const resuming = resumeFrom !== null;
    const output = format === 'text' ? null : new AgentOutput(format, callbacks, options.clock, { resuming });
    const ownSpec = resumeFrom === runSpec.resumeFrom ? runSpec : { ...runSpec, resumeFrom };
    current = startRun(ownSpec, argv, output, {
      ...(callbacks.onSpawn ? { onSpawn: (pid: number, pgid: number) => callbacks.onSpawn?.(pid, pgid) } : {}),
      onProgress: (at) => callbacks.onProgress(at),
      onExit: (exit) => {
        output?.end();
        const refusal = resuming && !killed && exit.error === undefined ? (output?.resumeRefusal() ?? null) : null;
        if (refusal !== null) {
          output?.discard();
          note(spec.logPath, `the agent could not resume conversation ${resumeFrom} (${refusal}); starting this session over without it`);
          run({ ...runSpec, resumeFrom: null });
          return;
        }
        output?.release();
        callbacks.onExit(exit);
      },
    });
  };
  run(spec);

  return {
    get pid() {
      return current?.pid ?? null;
    },
    get pgid() {
      return current?.pgid ?? null;
    },
    kill() {
      killed = true;
      current?.kill();
    },
  };
}

/**
 * The run's argv and the conversation it resumes. A resume id the preset
 * refuses (it came from agent output and is not an id) starts fresh, as a
 * refused resume would.
 */
function argvOf(spec: SessionSpec, options: AgentRunOptions & { command: readonly string[] }): [string[], string | null] {
  const resumeFrom = spec.resumeFrom ?? null;
  const fresh = { resumeFrom: null, budgetUsd: spec.budgetUsd ?? null, cwd: spec.cwd };
  if (!options.argvFor) return [[...options.command], resumeFrom];
  if (resumeFrom === null) return [options.argvFor(fresh), null];
  try {
    return [options.argvFor({ ...fresh, resumeFrom }), resumeFrom];
  } catch (error) {
    note(spec.logPath, `cannot resume conversation ${JSON.stringify(resumeFrom.slice(0, 80))} (${error instanceof Error ? error.message : String(error)}); starting this session without it`);
    return [options.argvFor(fresh), null];
  }
}

/** A line of harness's own in the session's log, made if the agent printed nothing yet. Lost, like output, when it cannot be written. */
function note(logPath: string | null, text: string): void {
  if (logPath === null) return;
  try {
    withParentDir(logPath, () => appendFileSync(logPath, `\n[harness] ${text}\n`));
  } catch {
    // As on a full disk: the session goes on without it.
  }
}
