import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isGroupAlive, killGroup } from '../../src/agents/process-group.js';

export const BIN_DIR = join(import.meta.dirname, '..', '..', 'node_modules', '.bin');
export const CLAUDE_BIN = join(BIN_DIR, 'claude');
export const CODEX_BIN = join(BIN_DIR, 'codex');

/** Whether the agent CLIs installed from the devDependencies are there. */
export const haveClaude = existsSync(CLAUDE_BIN);
export const haveCodex = existsSync(CODEX_BIN);

export interface CliRun {
  stdout: Buffer;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  /** Set when the run was killed for going over its time bound. */
  timedOut: boolean;
  /** Every stdout chunk as it arrived, to feed a parser the way a runner would. */
  chunks: Buffer[];
}

export interface CliOptions {
  cwd: string;
  env: Record<string, string>;
  stdin?: string;
  /** Kill the process group after this long. */
  timeoutMs: number;
  /** Called for each stdout chunk as it arrives. */
  onStdout?: (chunk: Buffer) => void;
}

/**
 * Runs real CLIs in their own process groups, each tagged with a marker in
 * its environment. cleanup() kills every group it started, then scans
 * /proc for any process still carrying the marker (a child that left the
 * group) and returns their pids, so a test can assert nothing survived.
 */
export class CliSandbox {
  readonly marker = randomUUID();
  private readonly groups = new Set<number>();
  private readonly dirs: string[] = [];

  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), `harness-${prefix}-`));
    this.dirs.push(dir);
    return dir;
  }

  run(bin: string, args: string[], options: CliOptions): Promise<CliRun> {
    const child = spawn(bin, args, {
      cwd: options.cwd,
      env: { ...options.env, HARNESS_TEST_MARKER: this.marker },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    if (child.pid !== undefined) this.groups.add(child.pid);
    const chunks: Buffer[] = [];
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      options.onStdout?.(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    }, options.timeoutMs);
    return new Promise((resolve, reject) => {
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (exitCode, signal) => {
        clearTimeout(timer);
        resolve({ stdout: Buffer.concat(chunks), stderr, exitCode, signal, timedOut, chunks });
      });
    });
  }

  /**
   * Kill every group still alive, remove the temp dirs, and return the pids
   * of processes that still carried the marker once the groups were gone:
   * children that left their group. Those are killed too, but a test
   * should assert the list is empty.
   */
  async cleanup(): Promise<number[]> {
    const groups = [...this.groups];
    this.groups.clear();
    for (const pgid of groups) if (isGroupAlive(pgid)) killGroup(pgid, 'SIGKILL');
    for (let i = 0; i < 100 && markedProcesses(this.marker, groups).length > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const escaped = markedProcesses(this.marker).filter((pid) => !groups.includes(pgidOf(pid) ?? -1));
    for (const pid of escaped) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    return escaped;
  }
}

function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

function pgidOf(pid: number): number | null {
  const fields = statFields(pid);
  return fields ? Number(fields[2]) : null;
}

/**
 * Live (non-zombie) processes whose environment holds
 * HARNESS_TEST_MARKER=<marker>; with `groups`, only those in one of them.
 */
export function markedProcesses(marker: string, groups?: number[]): number[] {
  const wanted = `HARNESS_TEST_MARKER=${marker}`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const fields = statFields(pid);
    if (fields === null || fields[0] === 'Z') continue;
    if (groups !== undefined && !groups.includes(Number(fields[2]))) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (environ.split('\0').includes(wanted)) found.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}
