/**
 * The event feed: scale operations with their reasons, backpressure,
 * stalls and timeouts, recycled workers (the report's events), and beside
 * them failures with whether the issue was retried, holds on and off,
 * merges, and operators' requests with what came of them; newest first.
 * Each event is plain text for the page to show as text.
 */
import type { FailureRow, FleetQueries, MergeRow } from '../metrics/fleet.js';
import type { MetricsEvent } from '../metrics/report.js';
import type { ControlRequestRow } from '../store/types.js';
import type { HoldView } from './data.js';

/** What the feed shows beside the report's events, the latest of each. */
export interface FeedLists {
  failures: readonly FailureRow[];
  merges: readonly MergeRow[];
  controls: readonly ControlRequestRow[];
}

/** The feed's lists from a state file, in the window up to `now`. */
export function feedListsOf(fleet: FleetQueries, options: { now: number; limit: number }): FeedLists {
  const window = { from: Number.MIN_SAFE_INTEGER, to: options.now };
  return { failures: fleet.latestFailures(window, options.limit), merges: fleet.latestMerges(window, options.limit), controls: fleet.controls(options.limit) };
}

export type FeedKind = MetricsEvent['type'] | 'session:failed' | 'hold:on' | 'hold:off' | 'merge:landed' | 'merge:opened' | 'merge:rejected' | 'control';

export interface FeedEvent {
  at: number;
  kind: FeedKind;
  /** One line, in the words of the terminal view. */
  text: string;
  /** `bad` for what needs a look (stalls, failures, holds, rejected merges), `good` for landings, else `info`. */
  tone: 'good' | 'info' | 'bad';
  issueId?: string;
  sessionId?: string;
}

export function feedEvents(events: readonly MetricsEvent[], lists: FeedLists, holds: readonly HoldView[], options: { limit: number }): FeedEvent[] {
  // Holds come from the holds table below, with their ends: the report's hold events would repeat them.
  const feed: FeedEvent[] = events.filter((e) => e.type !== 'hold:on' && e.type !== 'hold:off').map(fromReport);
  for (const f of lists.failures) {
    const then = f.retried ? 'retried' : 'no attempts left';
    feed.push({ at: f.at, kind: 'session:failed', text: `${f.issueId} attempt ${f.attempt} failed${f.reason ? `: ${f.reason}` : ''} → ${then}`, tone: 'bad', issueId: f.issueId, sessionId: f.sessionId });
  }
  for (const h of holds) {
    const until = h.until === null ? '' : ` until ${new Date(h.until).toISOString()}`;
    feed.push({ at: h.since, kind: 'hold:on', text: `hold ${h.kind}: ${h.reason}${until}`, tone: 'bad' });
    if (h.endedAt !== null) feed.push({ at: h.endedAt, kind: 'hold:off', text: `hold ${h.kind} ended: ${h.endedBy ?? 'lifted'}`, tone: 'info' });
  }
  for (const m of lists.merges) {
    const kind = m.state === 'landed' ? 'merge:landed' : m.state === 'opened' ? 'merge:opened' : 'merge:rejected';
    const text = m.state === 'landed' ? `${m.issueId} landed (${m.branch})` : m.state === 'opened' ? `${m.issueId} pull request opened${m.url ? `: ${m.url}` : ''}` : `${m.issueId} merge rejected${m.reason ? `: ${m.reason}` : ''}`;
    feed.push({ at: m.endedAt ?? m.queuedAt, kind, text, tone: m.state === 'rejected' ? 'bad' : 'good', issueId: m.issueId });
  }
  for (const c of lists.controls) {
    const what = `${c.kind}${c.target === null ? '' : ` ${c.target}`}`;
    const result = c.result === null ? 'pending' : c.result;
    feed.push({ at: c.answeredAt ?? c.requestedAt, kind: 'control', text: `${what} requested from ${c.requestedBy}: ${result}`, tone: c.applied === false ? 'bad' : 'info' });
  }
  // Newest first; events at the same instant keep their order.
  return feed
    .map((e, i) => [e, i] as const)
    .sort((a, b) => b[0].at - a[0].at || a[1] - b[1])
    .slice(0, options.limit)
    .map(([e]) => e);
}

function fromReport(e: Exclude<MetricsEvent, { type: 'hold:on' | 'hold:off' }>): FeedEvent {
  switch (e.type) {
    case 'scale:up':
    case 'scale:down':
      return { at: e.at, kind: e.type, text: `${e.type === 'scale:up' ? 'scale up' : 'scale down'} ${e.from} → ${e.to}: ${e.reason}`, tone: 'info' };
    case 'backpressure:on':
    case 'backpressure:off':
      return { at: e.at, kind: e.type, text: `backpressure ${e.type === 'backpressure:on' ? 'on' : 'off'} (queue ${e.queueDepth})`, tone: e.type === 'backpressure:on' ? 'bad' : 'info' };
    case 'session:stalled':
    case 'session:timeout':
      return {
        at: e.at,
        kind: e.type,
        text: `${e.issueId} ${e.type === 'session:stalled' ? 'stalled' : 'timed out'} on ${e.workerId}${e.reason ? `: ${e.reason}` : ''}`,
        tone: 'bad',
        issueId: e.issueId,
        sessionId: e.sessionId,
      };
    case 'pool:recycled':
      return { at: e.at, kind: e.type, text: `${e.workerId} recycled after ${e.sessionsRun} sessions`, tone: 'info' };
  }
}
