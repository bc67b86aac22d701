import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * The launcher's compiled entry point. Next to this module in dist/; when this
 * module runs from its TypeScript source (the test suite), the build's copy.
 */
function launcherEntry(): string {
  const beside = fileURLToPath(new URL('./child.js', import.meta.url));
  if (existsSync(beside)) return beside;
  return fileURLToPath(new URL('../../../dist/agents/launcher/child.js', import.meta.url));
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

/** Start a launcher process (./child.ts). It waits for its init line. */
export function spawnLauncher(): ChildProcess {
  return spawn(process.execPath, [launcherEntry()], { stdio: ['pipe', 'pipe', 'inherit'], windowsHide: true });
}

/** How many launchers a runner uses unless told: 2, or 1 on a single CPU. */
export function defaultLauncherCount(): number {
  return Math.min(2, availableParallelism());
}

const spares: ChildProcess[] = [];

/**
 * Start launchers ahead of need. A Node.js process takes about a tenth of a
 * second to boot; `harness run` calls this first thing, so the launchers boot
 * while the harness loads its own modules, and LauncherRunner takes them
 * instead of starting its own. Spares nobody takes exit with the harness
 * (their stdin closes), and never keep it alive.
 */
export function startSpareLaunchers(count = defaultLauncherCount()): void {
  for (let i = 0; i < count; i++) {
    const child = spawnLauncher();
    child.on('error', () => {
      // A spare that could not start is simply not used.
    });
    setLauncherReferenced(child, false);
    spares.push(child);
  }
}

/** A spare launcher that is still running, if any. */
export function takeSpareLauncher(): ChildProcess | undefined {
  for (let child = spares.shift(); child; child = spares.shift()) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) return child;
  }
  return undefined;
}

/**
 * Stop the spares nobody took and wait until they have exited, so a harness
 * that ends (or fails) leaves no process behind even for a moment.
 */
export async function closeSpareLaunchers(timeoutMs = 2000): Promise<void> {
  const left = spares.splice(0);
  await Promise.all(left.map((child) => stopLauncher(child, timeoutMs)));
}

/** Close a launcher's stdin, which makes it exit; SIGKILL it after `timeoutMs`. */
export function stopLauncher(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.ref();
    child.stdin?.end();
  });
}
