import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { REPO } from '../helpers/cli.js';

/** The system's Chromium (Debian's package): browsers are never downloaded. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

export interface Browser {
  context: BrowserContext;
  /** Close the browser, remove its profile, and say whether any of its processes is left. */
  close(): Promise<number[]>;
}

/** Headless Chromium with a fresh profile, nothing fetched from outside. */
export async function launchBrowser(viewport = { width: 1440, height: 1000 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'harness-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      const left = processesWith(profile);
      for (const pid of left) process.kill(pid, 'SIGKILL');
      rmSync(profile, { recursive: true, force: true });
      return left;
    },
  };
}

/** Live processes whose command line mentions `text` (a browser profile's path). */
export function processesWith(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes(text)) continue;
      if (!/\) Z /.test(readFileSync(`/proc/${entry}/stat`, 'latin1'))) found.push(Number(entry));
    } catch {
      // gone
    }
  }
  return found;
}

export interface HarnessProcess {
  child: ChildProcess;
  output(): string;
  /** Resolve with the first match of `pattern` in the output so far or to come. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Signal it and resolve with its exit code once it has exited (SIGKILL after `graceMs`). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

/** `harness <args>` as a child process. */
export function startHarness(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): HarnessProcess {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'harness.js'), ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => text,
    waitFor: (pattern, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(text);
          if (!match) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(match);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${pattern} in:\n${text}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    stop: async (signal = 'SIGINT', graceMs = 10_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
