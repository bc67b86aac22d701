import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CappedLogWriter } from '../agents/log-writer.js';
import { isGroupAlive, killGroup } from '../agents/process-group.js';
import { EXIT_FLUSH_MS } from '../agents/process-session.js';
import type { Clock, TimerHandle } from '../runtime/clock.js';

/** How a command run by the merge queue (verify, setup) ended. */
export interface CommandResult {
  /** Exit 0, in time. */
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Stopped through `signal` before it ended. */
  stopped?: boolean;
  /** Set when the command could not be started. */
  error?: string;
  logPath: string;
}

export interface CommandOptions {
  cwd: string;
  /** stdout and stderr go here (created, or truncated unless `append`). */
  logPath: string;
  /** Add to the log rather than start it afresh (a hook's output in a session's log). Default false. */
  append?: boolean;
  /** The log's first line for this command. Default `$ <argv>`. */
  header?: string;
  /** Bytes of output kept in the log (the rest is dropped after a notice), as for session logs. */
  logMaxBytes: number;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** Stopped (SIGTERM, then SIGKILL after killGraceMs) when it runs longer than this. */
  timeoutMs: number;
  killGraceMs: number;
  /** Called once the process exists, e.g. to record its pid for crash recovery. */
  onSpawn?(pid: number): void;
  /** Called on each chunk of output (a session's hook shows progress with it). */
  onOutput?(): void;
  /** Aborting it stops the command as a timeout does (SIGTERM, then SIGKILL after killGraceMs). */
  signal?: AbortSignal;
}

/**
 * Run a configured command (argv from the config, never a shell) in its own
 * process group, output to a capped log file. Asynchronous: the coordinator
 * keeps handling sessions while a test suite runs. When the command exits,
 * whatever it left in its group is killed.
 */
export function runCommand(argv: readonly string[], options: CommandOptions): Promise<CommandResult> {
  const { logPath } = options;
  const [program, ...args] = argv;
  mkdirSync(dirname(logPath), { recursive: true });
  const header = `${options.header ?? `$ ${argv.map(quoteForLog).join(' ')}`}\n`;
  if (options.append) appendFileSync(logPath, header);
  else writeFileSync(logPath, header);
  const log = new CappedLogWriter(logPath, options.logMaxBytes);
  return new Promise((resolve) => {
    let settled = false;
    let timedOut = false;
    let stopped = false;
    let timers: TimerHandle[] = [];
    let onAbort: (() => void) | null = null;
    const settle = (result: Omit<CommandResult, 'logPath' | 'timedOut'>): void => {
      if (settled) return;
      settled = true;
      timers.forEach((t) => t.cancel());
      if (onAbort) options.signal?.removeEventListener('abort', onAbort);
      log.close();
      resolve({ ...result, timedOut, ...(stopped ? { stopped } : {}), logPath });
    };
    if (program === undefined) {
      settle({ ok: false, exitCode: null, signal: null, error: 'the command is empty' });
      return;
    }
    if (options.signal?.aborted) {
      stopped = true;
      settle({ ok: false, exitCode: null, signal: null, error: 'stopped before it started' });
      return;
    }
    const child = spawn(program, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.on('error', (error) => settle({ ok: false, exitCode: null, signal: null, error: error.message }));
    const pgid = child.pid;
    if (pgid === undefined) return;
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('error', () => {});
      // Past the cap, chunks are dropped without touching the disk: a flood is drained cheaply.
      stream?.on('data', (chunk: Buffer) => {
        log.write(chunk);
        options.onOutput?.();
      });
    }
    options.onSpawn?.(pgid);
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      signal(pgid, 'SIGTERM');
      timers.push(options.clock.setTimeout(() => signal(pgid, 'SIGKILL'), options.killGraceMs));
    };
    timers = [
      options.clock.setTimeout(() => {
        timedOut = true;
        stop();
      }, options.timeoutMs),
    ];
    if (options.signal) {
      onAbort = () => {
        stopped = true;
        stop();
      };
      options.signal.addEventListener('abort', onAbort, { once: true });
    }
    child.on('exit', (exitCode, exitSignal) => {
      // Leftovers (a server the tests started, say) outlive nothing: the command is over.
      if (isGroupAlive(pgid)) signal(pgid, 'SIGKILL');
      const done = () => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        settle({ ok: exitCode === 0 && !timedOut && !stopped, exitCode, signal: exitSignal });
      };
      // The log is complete once both pipes closed; something that escaped the group may hold them, so not forever.
      if (child.stdout?.readableEnded !== false && child.stderr?.readableEnded !== false) done();
      else {
        child.once('close', done);
        timers.push(options.clock.setTimeout(done, EXIT_FLUSH_MS));
      }
    });
  });
}

/** `exit code 1`, `killed by SIGTERM (ran longer than …)`, or why it did not start. */
export function describeResult(result: CommandResult, timeoutMs: number): string {
  if (result.error) return `could not start: ${result.error}`;
  if (result.timedOut) return `ran longer than ${timeoutMs} ms and was stopped`;
  if (result.stopped) return 'was stopped';
  if (result.signal) return `killed by ${result.signal}`;
  return `exit code ${result.exitCode}`;
}

function signal(pgid: number, name: NodeJS.Signals): void {
  try {
    killGroup(pgid, name);
  } catch {
    // EPERM: a member changed user; nothing more can be done from here.
  }
}

function quoteForLog(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
