import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, expect } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'agents');
export const REPO = join(import.meta.dirname, '..', '..');

export function fixture(name: string): string {
  return `"${process.execPath}" "${join(FIXTURES, name)}"`;
}

class Collector extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export interface TestIO {
  io: CliIO;
  stdout: () => string;
  stderr: () => string;
  /** Deliver SIGINT to the command as a terminal would. */
  interrupt(): void;
  /** A marker in every agent's environment, to find processes left behind. */
  marker: string;
}

export function makeIO(cwd: string, env: Record<string, string> = {}): TestIO {
  const out = new Collector();
  const err = new Collector();
  const handlers = new Set<(s: NodeJS.Signals) => void>();
  const marker = randomUUID();
  return {
    io: {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, HARNESS_TEST_MARKER: marker, ...env },
      stdout: out,
      stderr: err,
      onSignal(handler) {
        handlers.add(handler);
        return () => handlers.delete(handler);
      },
    },
    stdout: () => out.text,
    stderr: () => err.text,
    interrupt: () => handlers.forEach((h) => h('SIGINT')),
    marker,
  };
}

export function tempDir(prefix = 'harness-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Pids of live processes whose environment holds `marker`. */
export function processesWithMarker(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (env.includes(`HARNESS_TEST_MARKER=${marker}`)) {
        const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
        // Zombies (state Z) are already dead.
        if (!/\) Z /.test(stat)) found.push(Number(entry));
      }
    } catch {
      // gone or not ours
    }
  }
  return found;
}

/** Kill anything left behind (so one failing test cannot poison the next) and return what was found. */
export function reapMarker(marker: string): number[] {
  const left = processesWithMarker(marker);
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return left;
}

export async function waitFor(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function writeIssues(dir: string, issues: object[], name = 'issues.jsonl'): string {
  const path = join(dir, name);
  writeFileSync(path, issues.map((i) => JSON.stringify(i)).join('\n') + '\n');
  return path;
}

/**
 * For test files that start processes: registers an afterEach that runs the
 * test's cleanups and fails the test if any process carrying one of its
 * markers is still alive (after killing it, so one test cannot poison the next).
 */
export function guardProcesses(): { cleanups: (() => void)[]; markers: string[] } {
  const guard = { cleanups: [] as (() => void)[], markers: [] as string[] };
  afterEach(() => {
    const left = guard.markers.splice(0).flatMap((m) => reapMarker(m));
    guard.cleanups.splice(0).forEach((c) => c());
    expect(left).toEqual([]);
  });
  return guard;
}

/** What the fixture agent record.mjs wrote to its $RECORD_TO: each session's start and end, with the time. */
export function recordedEvents(file: string): { what: string; id: string; at: number }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .map(([what, id, at]) => ({ what: what!, id: id!, at: Number(at) }));
}
