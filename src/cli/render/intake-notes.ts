/**
 * The run view's lines about intake: issues that fail because a blocker
 * did, a watching run with nothing to do, and the reports sent back to the
 * tracker. Each is drawn by the view's `note`, which escapes it.
 */
import type { EventBus } from '../../core/events.js';
import { formatDuration } from '../../config/duration.js';
import type { Palette } from './palette.js';

type Note = (line: string, paint?: (text: string) => string) => void;

export function intakeNotes(events: EventBus, note: Note, color: Palette): (() => void)[] {
  // A tracker that stays down would say so for every report: once per stretch is enough.
  let waitingSaid = false;
  return [
    events.on('issue:blocked-failed', (e) => note(`✗ ${e.issueId} failed without running: blocked by ${e.blocker}, which failed`, color.red)),
    events.on('intake:idle', (e) =>
      note(`… waiting for work: the source is listed every ${formatDuration(e.everyMs)}${e.waiting > 0 ? `; ${e.waiting} issue(s) wait for their blockers` : ''} (Ctrl-C ends the run)`),
    ),
    events.on('report:sent', (e) => {
      waitingSaid = false;
      note(`↑ ${e.issueId} reported ${e.kind} to ${e.source}`);
    }),
    events.on('report:waiting', (e) => {
      if (waitingSaid) return;
      waitingSaid = true;
      note(`⏸ reports to ${e.source} wait: ${e.reason}; they are sent when it answers`, color.yellow);
    }),
    events.on('report:rejected', (e) => note(`✗ ${e.source} refused the ${e.kind} report of ${e.issueId}: ${e.reason} (kept in the state as rejected)`, color.red)),
  ];
}
