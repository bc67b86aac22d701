import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

/** Where the build puts the compiled launcher (scripts/build-launcher.mjs). */
const CANDIDATES = [
  // Next to this module's directory in dist/.
  new URL('../../native/harness-launcher', import.meta.url),
  // When this module runs from its TypeScript source (the test suite): the build's copy.
  new URL('../../../dist/native/harness-launcher', import.meta.url),
];

/**
 * The launcher executable (native/launcher.c), or null when it was not built
 * (no C compiler at install time, or an unsupported system).
 */
export function launcherBinary(): string | null {
  if (process.platform === 'win32') return null;
  for (const url of CANDIDATES) {
    const path = fileURLToPath(url);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Try the next place.
    }
  }
  return null;
}

/** How many launchers a runner uses unless told: 2, or 1 on a single CPU. */
export function defaultLauncherCount(): number {
  return Math.min(2, availableParallelism());
}

/** Start a launcher process. It waits for its init line. */
export function spawnLauncher(binary: string): ChildProcess {
  return spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'], windowsHide: true });
}

/** A child process and its pipes (net.Socket) can all be ref'd and unref'd. */
interface Referable {
  ref(): void;
  unref(): void;
}

/** Whether a launcher (the process and both its pipes) keeps the harness's event loop alive. */
export function setLauncherReferenced(child: ChildProcess, referenced: boolean): void {
  for (const handle of [child, child.stdin, child.stdout] as unknown as (Referable | null)[]) {
    if (referenced) handle?.ref();
    else handle?.unref();
  }
}

/**
 * Close a launcher's stdin, which makes it exit; SIGKILL it after `timeoutMs`.
 * The caller keeps it referenced meanwhile (LauncherConnection.close).
 */
export function stopLauncher(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin?.end();
  });
}
