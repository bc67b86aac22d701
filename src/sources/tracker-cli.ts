/**
 * Calls to a tracker's command-line tool (`bd`, `gh`): an argv, never a
 * shell, so issue text passes as one argument whatever it holds; a timeout
 * after which the call's process group is killed; a few retries with
 * backoff for the blips a network has; and a record of every call, one
 * JSON line each, for the operator who wants to know what was said to the
 * tracker.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { isGroupAlive, killGroup } from '../agents/process-group.js';
import { formatDuration } from '../config/duration.js';
import { TrackerError, UsageError } from '../errors.js';
import type { Clock } from '../runtime/clock.js';

/** How one call ended: its exit code (null when it timed out or could not start) and output. */
export interface CallResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why there is no exit code: it timed out, or could not be started. */
  error: string | null;
  /** The program could not be found. */
  missing?: boolean;
  /** abort() stopped it. */
  stopped?: boolean;
}

/** How a call's result is read: fine, a refusal for good, or a failure worth another try. */
export type Verdict = 'ok' | 'refused' | 'retry';

export interface TrackerCliOptions {
  /** The program, found on PATH: `bd`, `gh`. */
  program: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** A call that runs longer is killed and counts as a failure to reach the tracker (ms). */
  timeoutMs: number;
  /** Further tries of a call that failed to reach the tracker, each after a doubling wait from backoffMs. */
  retries: number;
  backoffMs: number;
  /** A file that gets one JSON line per call (at, argv, code, ms, error), or null. */
  recordTo: string | null;
}

/** Output kept per stream: a listing of a large backlog fits well below this. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** Exit codes, and output, that say the call is refused for good: nothing to try again. */
const DEFAULT_VERDICT = (r: CallResult): Verdict => (r.code === 0 ? 'ok' : 'retry');

export class TrackerCli {
  /** Process groups of the calls running now, to stop at abort(). */
  private readonly running = new Set<number>();
  /** Calls stopped by abort(): they end as failures to reach the tracker, and are not tried again. */
  private readonly stopped = new Set<number>();

  constructor(private readonly options: TrackerCliOptions) {}

  /** Stop the calls running now: the run is stopping, and a tracker that hangs must not hold it. Later calls run as usual. */
  abort(): void {
    for (const pgid of this.running) {
      this.stopped.add(pgid);
      killGroup(pgid, 'SIGKILL');
    }
  }

  get program(): string {
    return this.options.program;
  }

  /**
   * Run `program args…` until it succeeds, is refused, or has failed
   * retries + 1 times; its stdout on success. Throws TrackerError
   * (`refused` as the verdict said) naming what was being done.
   */
  async call(args: readonly string[], what: string, verdict: (r: CallResult) => Verdict = DEFAULT_VERDICT, options: { once?: boolean } = {}): Promise<string> {
    const { backoffMs, clock } = this.options;
    // A call that adds something (a comment, a note) is made once: one that timed out may have taken effect.
    const retries = options.once ? 0 : this.options.retries;
    let last: CallResult | null = null;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await clock.sleep(backoffMs * 2 ** (attempt - 1));
      const started = clock.now();
      const result = await this.runOnce(args);
      this.record(args, result, started);
      // Not installed: no retry or hold can help, and the run should not wait for it.
      if (result.missing) {
        const program = this.options.program;
        throw new UsageError(program.includes('/') ? `${program} does not exist: set tracker.bin (HARNESS_TRACKER_BIN) to the tracker's program` : `${program} was not found on PATH: install it, or set tracker.bin (HARNESS_TRACKER_BIN) to its path`);
      }
      if (result.stopped) throw new TrackerError(`could not ${what} with ${this.options.program}: stopped, the run is stopping`, false);
      const v = verdict(result);
      if (v === 'ok') return result.stdout;
      last = result;
      if (v === 'refused') throw new TrackerError(`${this.options.program} refused to ${what}: ${describe(result)}`, true);
    }
    const tries = retries + 1;
    throw new TrackerError(`could not ${what} with ${this.options.program} (${tries} ${tries === 1 ? 'try' : 'tries'}): ${describe(last!)}`, false);
  }

  private runOnce(args: readonly string[]): Promise<CallResult> {
    const { program, cwd, env, clock, timeoutMs } = this.options;
    return new Promise((resolve) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let size = 0;
      let settled = false;
      let timedOut = false;
      const settle = (result: CallResult) => {
        if (settled) return;
        settled = true;
        timer.cancel();
        resolve(result);
      };
      const child = spawn(program, [...args], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_OUTPUT_BYTES) into.push(chunk);
      };
      child.stdout.on('data', collect(out));
      child.stderr.on('data', collect(err));
      const pgid = child.pid;
      if (pgid !== undefined) this.running.add(pgid);
      const timer = clock.setTimeout(() => {
        timedOut = true;
        if (pgid !== undefined) killGroup(pgid, 'SIGKILL');
      }, timeoutMs);
      child.on('error', (error) => {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        settle({ code: null, stdout: '', stderr: '', error: missing ? `${program} was not found on PATH` : error.message, missing });
      });
      child.on('close', (code) => {
        if (pgid !== undefined) this.running.delete(pgid);
        // A tracker tool leaves nothing behind: a helper it started dies with the call.
        if (pgid !== undefined && isGroupAlive(pgid)) killGroup(pgid, 'SIGKILL');
        const stdout = Buffer.concat(out).toString('utf8');
        const stderr = Buffer.concat(err).toString('utf8');
        if (pgid !== undefined && this.stopped.delete(pgid)) settle({ code: null, stdout, stderr, error: 'stopped: the run is stopping', stopped: true });
        else if (timedOut) settle({ code: null, stdout, stderr, error: `no answer within ${formatDuration(timeoutMs)}` });
        else settle({ code, stdout, stderr, error: null });
      });
    });
  }

  private record(args: readonly string[], result: CallResult, started: number): void {
    const file = this.options.recordTo;
    if (!file) return;
    const at = this.options.clock.now();
    const line = { at, argv: [this.options.program, ...args], code: result.code, ms: at - started, error: result.error ?? (result.code === 0 ? null : firstLine(result.stderr)) };
    try {
      mkdirSync(dirname(file), { recursive: true });
      appendFileSync(file, JSON.stringify(line) + '\n');
    } catch {
      // The record is for reading later; a call must not fail because it could not be written.
    }
  }
}

/** `exit 1: <stderr's first line>`, or why it did not run. */
export function describe(result: CallResult): string {
  if (result.error) return result.error;
  const said = firstLine(result.stderr) || firstLine(result.stdout);
  return `exit ${result.code}${said ? `: ${said}` : ''}`;
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
