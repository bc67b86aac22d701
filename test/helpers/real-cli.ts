import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isGroupAlive, killGroup } from '../../src/agents/process-group.js';

export const BIN_DIR = join(import.meta.dirname, '..', '..', 'node_modules', '.bin');
export const CLAUDE_BIN = join(BIN_DIR, 'claude');
export const CODEX_BIN = join(BIN_DIR, 'codex');

/**
 * Proxy settings that send every request not bound for 127.0.0.1 to a
 * closed port, so a CLI that tries to reach the internet fails at once.
 */
export const NO_NETWORK: Readonly<Record<string, string>> = {
  HTTP_PROXY: 'http://127.0.0.1:9',
  HTTPS_PROXY: 'http://127.0.0.1:9',
  http_proxy: 'http://127.0.0.1:9',
  https_proxy: 'http://127.0.0.1:9',
  NO_PROXY: '127.0.0.1,localhost',
  no_proxy: '127.0.0.1,localhost',
};

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
  /** Once this settles, stop the run: SIGTERM to its group, SIGKILL a second later. */
  killWhen?: Promise<unknown>;
}

/**
 * Runs real CLIs in their own process groups, each tagged with a marker in
 * its environment, and finds through /proc whatever they leave behind,
 * whether it stayed in their process group or not.
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
    let exited = false;
    void options.killWhen?.finally(() => {
      if (exited || child.pid === undefined) return;
      killGroup(child.pid, 'SIGTERM');
      setTimeout(() => {
        if (!exited && child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      }, 1000).unref();
    });
    return new Promise((resolve, reject) => {
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (exitCode, signal) => {
        exited = true;
        clearTimeout(timer);
        resolve({ stdout: Buffer.concat(chunks), stderr, exitCode, signal, timedOut, chunks });
      });
    });
  }

  /**
   * What the runs left behind: processes still carrying the marker once
   * every run has exited (given a second to exit by themselves). They are
   * killed, every group is killed, the temp dirs are removed, and their pids
   * returned, so a test can assert the list is empty.
   */
  async cleanup(): Promise<number[]> {
    let left = markedProcesses(this.marker);
    for (let i = 0; i < 50 && left.length > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      left = markedProcesses(this.marker);
    }
    for (const pgid of this.groups) if (isGroupAlive(pgid)) killGroup(pgid, 'SIGKILL');
    this.groups.clear();
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (let i = 0; i < 50 && markedProcesses(this.marker).length > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    return left;
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

/** Live (non-zombie) processes whose environment holds HARNESS_TEST_MARKER=<marker>. */
export function markedProcesses(marker: string): number[] {
  const wanted = `HARNESS_TEST_MARKER=${marker}`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const fields = statFields(pid);
    if (fields === null || fields[0] === 'Z') continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (environ.split('\0').includes(wanted)) found.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}
