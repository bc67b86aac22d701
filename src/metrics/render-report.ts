import { terminalSafe } from '../text/escape.js';
import { formatMs, formatUsd, renderMetricsTable } from './render.js';
import { renderCoordinatorTable } from './render-fleet.js';
import type { MetricsEvent, MetricsReport } from './report.js';

/**
 * `harness metrics` as plain text: where the figures come from, the seed's
 * table, sessions and issues by state, and the latest events. Times are UTC
 * so the output reads the same on every machine. With a `width` (a
 * terminal's), the table takes its narrow form when needed and long lines
 * are wrapped, so no line is wider than the terminal.
 */
export function renderReport(report: MetricsReport, options: { width?: number } = {}): string {
  const { width } = options;
  const lines = [
    ...wrap(headline(report), width),
    ...wrap(windowLine(report), width),
    renderMetricsTable(report, { width }),
    ...wrap(`sessions: ${countsLine(report.sessionsByOutcome)}`, width, '          '),
    ...wrap(`issues:   ${countsLine(report.issuesByStatus)}`, width, '          '),
  ];
  if (report.totalCostUsd > 0 || report.totalInputTokens > 0 || report.totalOutputTokens > 0) {
    lines.push(...wrap(`spent:    ${formatUsd(report.totalCostUsd)} · ${report.totalInputTokens} input / ${report.totalOutputTokens} output tokens`, width, '          '));
  }
  for (const hold of report.holds) {
    lines.push(...wrap(terminalSafe(`on hold (${hold.kind}) since ${formatTimestamp(hold.since)}: ${hold.reason} · ${hold.fix}`), width, '          '));
  }
  const r = report.reports;
  if (r && r.pending + r.sending + r.sent + r.rejected > 0) {
    const waiting = r.pending + r.sending;
    lines.push(...wrap(`reports:  ${r.sent} sent to the tracker · ${waiting} waiting to be sent · ${r.rejected} rejected`, width, '          '));
    for (const x of report.rejectedReports) lines.push(...wrap(terminalSafe(`  rejected: the ${x.kind} report of ${x.issueId} (${x.source}): ${x.error ?? 'no reason given'}`), width, '            '));
  }
  if (report.coordinators && report.coordinators.length > 0) {
    lines.push(`coordinators (sessions ${report.since === null ? 'of all time' : 'in the window'}; throughput over the last ${formatMs(report.throughputWindowMs)}):`);
    lines.push(renderCoordinatorTable(report.coordinators));
  }
  if (report.events.length === 0) lines.push(report.since === null ? 'no events recorded' : 'no events in the window');
  else {
    lines.push(`latest events (UTC):`);
    for (const event of report.events) lines.push(...wrap(`  ${formatTime(event.at, report.now)}  ${describeEvent(event)}`, width, '            '));
  }
  return lines.join('\n');
}

/**
 * `line` broken at spaces into lines of at most `width` characters, the
 * continuation lines starting with `indent`; a word longer than a line is cut.
 */
export function wrap(line: string, width: number | undefined, indent = '  '): string[] {
  if (width === undefined || [...line].length <= width) return [line];
  const room = Math.max(10, width);
  const out: string[] = [];
  const lead = /^ */.exec(line)?.[0] ?? '';
  let current = lead;
  for (const word of line.slice(lead.length).split(' ')) {
    const candidate = current.trim() === '' ? current + word : `${current} ${word}`;
    if ([...candidate].length <= room || current.trim() === '') {
      current = candidate;
      continue;
    }
    out.push(current);
    current = indent + word;
  }
  out.push(current);
  // Words longer than a whole line (a path, an id) are cut so that nothing is wider than the terminal.
  return out.flatMap((piece) => {
    const chars = [...piece];
    const cut: string[] = [];
    for (let i = 0; i < chars.length; i += room) cut.push(chars.slice(i, i + room).join(''));
    return cut;
  });
}

/** Which store, whether a run is live, and the instant the figures describe. */
export function headline(report: Pick<MetricsReport, 'state' | 'live' | 'run' | 'now' | 'nowSource' | 'coordinators'>): string {
  const at = formatTimestamp(report.now);
  const state = terminalSafe(report.state);
  const fleet = report.coordinators;
  if (fleet && fleet.length > 0) {
    const live = fleet.filter((c) => c.status === 'live').length;
    if (report.live && live > 0) return `${state} · fleet of ${live} live coordinator${live === 1 ? '' : 's'} (${fleet.length} recorded) · now ${at}`;
    if (!report.live) {
      const recorded = `${fleet.length} coordinator${fleet.length === 1 ? '' : 's'} recorded`;
      return report.nowSource === 'clock' ? `${state} · no live coordinator (${recorded}) · now ${at}` : `${state} · no live coordinator (${recorded}): figures as of the last recorded activity, ${at}`;
    }
  }
  if (report.live && report.run) return `${state} · live run (pid ${report.run.pid} on ${terminalSafe(report.run.hostname)}) · now ${at}`;
  if (report.nowSource === 'clock') return `${state} · no run yet · now ${at}`;
  return `${state} · no live run: figures as of the last recorded activity, ${at}`;
}

function windowLine(report: MetricsReport): string {
  const sessions = report.since === null ? 'all recorded sessions' : `sessions since ${formatTimestamp(report.since)} (last ${formatMs(report.now - report.since)})`;
  const interval = report.healthCheckIntervalSource === 'snapshots' ? 'spacing of the recorded snapshots' : 'default interval, too few snapshots';
  return (
    `window: ${sessions}; throughput over the last ${formatMs(report.throughputWindowMs)}; ` +
    `health over the last ${formatMs(report.healthWindowMs)} (10 × ${formatMs(report.healthCheckIntervalMs)} checks, ${interval})`
  );
}

function countsLine(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([name, n]) => `${n} ${name}`)
    .join(' · ');
}

/** One line per event, in the words of the run view; ids and reasons from the store are escaped. */
export function describeEvent(event: MetricsEvent): string {
  return terminalSafe(eventText(event));
}

function eventText(event: MetricsEvent): string {
  switch (event.type) {
    case 'scale:up':
      return `▲ scale up ${event.from} → ${event.to}: ${event.reason}`;
    case 'scale:down':
      return `▼ scale down ${event.from} → ${event.to}: ${event.reason}`;
    case 'backpressure:on':
      return `backpressure on: ${event.queueDepth} queued; intake paused`;
    case 'backpressure:off':
      return `backpressure off: ${event.queueDepth} queued; intake resumed`;
    case 'session:stalled':
      return `⚠ ${event.issueId} stalled on ${event.workerId}; session stopped (${event.sessionId})`;
    case 'session:timeout':
      return `⚠ ${event.issueId} timed out on ${event.workerId}; session stopped (${event.sessionId})`;
    case 'pool:recycled':
      return `↻ ${event.workerId} recycled after ${event.sessionsRun} sessions`;
    case 'hold:on':
      return `⏸ ${event.kind === 'tracker' ? 'intake' : 'fleet'} on hold (${event.kind}): ${event.reason} · ${event.fix}`;
    case 'hold:off':
      return `▶ hold lifted (${event.kind}): ${event.by ?? 'ended'}`;
  }
}

/** `2025-01-31 12:00:05 UTC`. */
export function formatTimestamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Time of day, with the date when it is not the day of `reference`. */
export function formatTime(ms: number, reference: number): string {
  const iso = new Date(ms).toISOString();
  const sameDay = iso.slice(0, 10) === new Date(reference).toISOString().slice(0, 10);
  return sameDay ? iso.slice(11, 19) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}
