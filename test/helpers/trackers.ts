import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
    update(change) {
      const state = rig.state();
      change(state);
      writeFileSync(file, JSON.stringify(state));
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
