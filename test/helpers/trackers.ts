import { closeSync, existsSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The stand-in `bd` and `gh` (test/fixtures/trackers): state in a JSON file, every call recorded. */
export const TRACKERS = join(import.meta.dirname, '..', 'fixtures', 'trackers');

export interface TrackerRig {
  /** The environment that puts the stand-ins first on PATH, on this state. */
  env: Record<string, string>;
  state<T = Record<string, unknown>>(): { issues: T[]; failNext?: number; hang?: { match: string; when: 'before' | 'after' } } & Record<string, unknown>;
  update(change: (state: ReturnType<TrackerRig['state']>) => void): void;
  /** Every call's argv (without the program), in order. */
  calls(): string[][];
  /** The same, with when each was made (ms). */
  timedCalls(): { at: number; argv: string[] }[];
}

export function trackerRig(dir: string, initial: object): TrackerRig {
  const file = join(dir, 'tracker-state.json');
  writeFileSync(file, JSON.stringify(initial));
  const rig: TrackerRig = {
    env: { PATH: `${TRACKERS}${delimiter}${process.env.PATH}`, TRACKER_STATE: file },
    state: () => JSON.parse(readFileSync(file, 'utf8')),
    // Under the stand-ins' own lock, so a call running at the same time cannot write back what it read before.
    update(change) {
      const unlock = lockState(file);
      try {
        const state = rig.state();
        change(state);
        writeFileSync(file, JSON.stringify(state));
      } finally {
        unlock();
      }
    },
    calls: () => rig.timedCalls().map((c) => c.argv),
    timedCalls: () =>
      existsSync(`${file}.calls.jsonl`)
        ? readFileSync(`${file}.calls.jsonl`, 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as { at: number; argv: string[] })
        : [],
  };
  return rig;
}

/** A beads issue as `bd ready --json` shows it. */
export function bead(id: string, extra: Record<string, unknown> = {}) {
  return { id, title: `issue ${id}`, description: `do ${id}`, status: 'open', priority: 2, issue_type: 'task', labels: [], dependencies: [], created_at: '2026-12-01T00:00:00Z', ...extra };
}

/** `id` is blocked by `blocker`, as beads records it. */
export function blocks(id: string, blocker: string) {
  return { issue_id: id, depends_on_id: blocker, type: 'blocks' };
}

/** The lock the stand-ins take around each call (test/fixtures/trackers/tracker-state.mjs): a file holding its holder's pid. */
function lockState(file: string): () => void {
  const path = `${file}.lock`;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => unlinkSync(path);
    } catch {
      // A stand-in killed while holding it (harness stops hung calls) leaves it behind.
      const holder = Number(existsSync(path) ? readFileSync(path, 'utf8') : 0);
      if (holder && !alive(holder)) rmSync(path, { force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
  throw new Error(`the stand-in tracker's state lock ${path} stayed taken`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
