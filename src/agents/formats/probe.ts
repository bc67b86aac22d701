/**
 * The real VersionProbe: runs `<bin> --version` as a child process, without
 * a shell, in its own process group, killed whole after a time limit.
 */
import { spawn } from 'node:child_process';
import type { VersionProbe, VersionProbeResult } from './preflight.js';

export interface SpawnProbeOptions {
  env: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  /** Default 15 s: some CLIs load a lot on start. */
  timeoutMs?: number;
}

const OUTPUT_MAX = 64 * 1024;

export function spawnVersionProbe(options: SpawnProbeOptions): VersionProbe {
  const timeoutMs = options.timeoutMs ?? 15_000;
  return (argv) =>
    new Promise<VersionProbeResult>((resolve) => {
      const [bin, ...args] = argv;
      if (bin === undefined) return resolve({ kind: 'failed', message: 'empty command line' });
      let stdout = '';
      let stderr = '';
      let settled = false;
      const finish = (result: VersionProbeResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const child = spawn(bin, args, { cwd: options.cwd, env: options.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const timer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        finish({ kind: 'timeout', afterMs: timeoutMs });
      }, timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => {
        if (stdout.length < OUTPUT_MAX) stdout += chunk.toString('utf8');
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < OUTPUT_MAX) stderr += chunk.toString('utf8');
      });
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') finish({ kind: 'not-found' });
        else finish({ kind: 'failed', message: error.code === 'EACCES' ? `${bin} is not executable (EACCES)` : error.message });
      });
      child.on('close', (exitCode, signal) => finish({ kind: 'ran', exitCode, signal, stdout, stderr }));
    });
}
