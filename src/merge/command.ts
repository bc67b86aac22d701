import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { isGroupAlive, killGroup } from '../agents/process-group.js';
import type { Clock, TimerHandle } from '../runtime/clock.js';

/** How a command run by the merge queue (verify, setup) ended. */
export interface CommandResult {
  /** Exit 0, in time. */
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Set when the command could not be started. */
  error?: string;
  logPath: string;
}

export interface CommandOptions {
  cwd: string;
  /** stdout and stderr go here (created, or truncated). */
  logPath: string;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** Stopped (SIGTERM, then SIGKILL after killGraceMs) when it runs longer than this. */
  timeoutMs: number;
  killGraceMs: number;
  /** Called once the process exists, e.g. to record its pid for crash recovery. */
  onSpawn?(pid: number): void;
}

/**
 * Run a configured command (argv from the config, never a shell) in its own
 * process group, output to a log file. Asynchronous: the coordinator keeps
 * handling sessions while a test suite runs. When the command exits,
 * whatever it left in its group is killed.
 */
export function runCommand(argv: readonly string[], options: CommandOptions): Promise<CommandResult> {
  const { logPath } = options;
  const [program, ...args] = argv;
  mkdirSync(dirname(logPath), { recursive: true });
  const fd = openSync(logPath, 'w');
  writeSync(fd, `$ ${argv.map(quoteForLog).join(' ')}\n`);
  return new Promise((resolve) => {
    let settled = false;
    let timedOut = false;
    let timers: TimerHandle[] = [];
    const settle = (result: Omit<CommandResult, 'logPath' | 'timedOut'>): void => {
      if (settled) return;
      settled = true;
      timers.forEach((t) => t.cancel());
      resolve({ ...result, timedOut, logPath });
    };
    if (program === undefined) {
      closeSync(fd);
      settle({ ok: false, exitCode: null, signal: null, error: 'the command is empty' });
      return;
    }
    const child = spawn(program, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', fd, fd] });
    // The child holds its own copies of the descriptor.
    closeSync(fd);
    child.on('error', (error) => settle({ ok: false, exitCode: null, signal: null, error: error.message }));
    const pgid = child.pid;
    if (pgid === undefined) return;
    options.onSpawn?.(pgid);
    timers = [
      options.clock.setTimeout(() => {
        timedOut = true;
        signal(pgid, 'SIGTERM');
        timers.push(options.clock.setTimeout(() => signal(pgid, 'SIGKILL'), options.killGraceMs));
      }, options.timeoutMs),
    ];
    child.on('exit', (exitCode, exitSignal) => {
      // Leftovers (a server the tests started, say) outlive nothing: the command is over.
      if (isGroupAlive(pgid)) signal(pgid, 'SIGKILL');
      settle({ ok: exitCode === 0 && !timedOut, exitCode, signal: exitSignal });
    });
  });
}

/** `exit code 1`, `killed by SIGTERM (ran longer than …)`, or why it did not start. */
export function describeResult(result: CommandResult, timeoutMs: number): string {
  if (result.error) return `could not start: ${result.error}`;
  if (result.timedOut) return `ran longer than ${timeoutMs} ms and was stopped`;
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
