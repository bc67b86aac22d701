import type { EventBus } from '../../core/events.js';
import { StoreFailure } from '../../errors.js';
import type { ScaleMetrics } from '../../core/metrics-types.js';
import { describeHolder } from '../../runtime/coordinator-parts.js';
import type { FleetStatus, RunSummary } from '../../runtime/coordinator-types.js';
import { formatMs, renderMetricsTable } from '../../metrics/render.js';
import { intakeNotes } from './intake-notes.js';
import { terminalSafe } from '../../text/escape.js';
import { renderFleet } from './fleet.js';
import { shownPath } from './log-tail.js';
import { COLOURS, NO_COLOURS } from './palette.js';
import { renderSummary } from './summary.js';

export interface RunViewOptions {
  out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  quiet: boolean;
  metrics: () => ScaleMetrics;
  /** Holds, spend and concurrency, for the lines under the table. */
  fleet?: () => FleetStatus;
  /** Status counts for the status line. */
  status: () => { queued: number; running: number; merging?: number; done: number; failed: number; backlog: number };
  /** Where a session's log is, said on the line of each session that did not succeed. */
  sessionLog?: (sessionId: string) => LogLocation | null;
  /** Log paths are shown relative to this directory. Default: as they are. */
  cwd?: string;
  /** Plain mode prints the table after this many finished sessions. */
  tableEvery?: number;
  /** Terminal mode refreshes the table this often (ms). */
  refreshMs?: number;
}

/** A session's log file, or that it has none because its agent printed nothing. */
export type LogLocation = { file: string } | { noOutput: true };

export interface RunView {
  finish(summary: RunSummary): void;
  /** Print one line above the live display (nothing when quiet). */
  note(line: string): void;
  /** The terminal went away (SIGHUP, a write error): stop drawing in place. Idempotent. */
  detach(): void;
}

/**
 * What `harness run` shows while it works. On a terminal: a spinner with a
 * status line and the metrics table refreshed in place. Elsewhere (CI,
 * pipes): one plain line per notable event and the table every few
 * finished sessions, with no escape codes.
 */
export function createRunView(events: EventBus, options: RunViewOptions): RunView {
  // A terminal that reports a width of 0 (a pseudo-terminal nobody sized)
  // cannot be redrawn in place: the spinner would compute endless lines to clear.
  const tty = Boolean(options.out.isTTY) && options.out.columns !== 0 && !options.env.CI;
  const colored = tty && !('NO_COLOR' in options.env);
  const color = colored ? COLOURS : NO_COLOURS;
  // The table's width: a terminal's, so it takes its narrow form there; none in pipes and logs.
  const width = (): number | undefined => (tty ? options.out.columns : undefined);
  const tableEvery = options.tableEvery ?? 5;
  let finished = 0;
  let spinner: { text: string; isEnabled: boolean; clear(): unknown; render(): unknown; stop(): unknown } | null = null;
  let refresh: NodeJS.Timeout | null = null;
  let detached = false;
  let over = false;
  const detach = (): void => {
    detached = true;
    if (refresh) clearInterval(refresh);
    refresh = null;
    if (spinner) {
      // Disabled first, so stopping it writes nothing to the terminal that is gone.
      spinner.isEnabled = false;
      spinner.stop();
      spinner = null;
    }
  };
  options.out.on('error', detach);

  let stopping = false;
  const workLeft = (): boolean => {
    const s = options.status();
    return s.running + s.queued + s.backlog + (s.merging ?? 0) > 0;
  };
  const statusLine = (): string => {
    const s = options.status();
    return `${s.running} running · ${s.queued} queued${s.backlog ? ` · ${s.backlog} waiting (backpressure)` : ''}${s.merging ? ` · ${s.merging} merging` : ''} · ${s.done} done · ${s.failed} failed`;
  };
  /**
   * Print one event line above the spinner. The line holds issue ids, reasons
   * and file names from outside, so it is escaped (one line, no control
   * characters) before `paint` colours it and `mark` is put in front.
   */
  const note = (line: string, paint: (text: string) => string = (text) => text, mark = ''): void => {
    if (options.quiet) return;
    const text = mark + paint(terminalSafe(line));
    if (spinner) {
      spinner.clear();
      options.out.write(text + '\n');
      redraw();
      spinner.render();
    } else options.out.write(text + '\n');
  };
  const printTable = (table: string): void => {
    if (!options.quiet) options.out.write(table + '\n');
  };
  /** The table, with the holds, spend and concurrency under it. */
  const table = (): string => [renderMetricsTable(options.metrics(), { width: width() }), ...(options.fleet ? renderFleet(options.fleet()) : [])].join('\n');
  const redraw = (): void => {
    if (spinner) spinner.text = `${statusLine()}\n${table()}`;
  };

  if (tty && !options.quiet) {
    void import('ora').then(({ default: ora }) => {
      // A run over before the spinner could load (or a terminal gone) gets none.
      if (detached || over) return;
      // discardStdin would put the terminal in raw mode, where Ctrl-C is a
      // byte to read instead of SIGINT; the run never reads stdin, so Ctrl-C
      // must stay a signal.
      // ora colours its spinner whatever NO_COLOR says; `color: false` is how it is told not to.
      spinner = ora({ text: statusLine(), stream: options.out, color: colored ? 'cyan' : false, isEnabled: true, discardStdin: false }).start();
      redraw();
      refresh = setInterval(redraw, options.refreshMs ?? 2000);
      refresh.unref();
    });
  }

  const offs = [
    ...intakeNotes(events, note, color),
    events.on('scale:up', (e) => note(`▲ scale up ${e.from} → ${e.to}: ${e.reason}`, color.cyan)),
    events.on('scale:down', (e) => note(`▼ scale down ${e.from} → ${e.to}: ${e.reason}`, color.cyan)),
    events.on('scale:held', (e) => note(`⏸ pool held at ${e.workers}: ${e.reason}; running sessions go on`, color.yellow)),
    events.on('scale:released', (e) => note(`▶ host within its limits again: the pool (${e.workers}) may grow`, color.green)),
    events.on('session:stalled', (e) => note(`⚠ ${e.workerId} stalled (no progress for ${formatMs(e.at - e.lastProgressAt)}); stopping its session`, color.yellow)),
    events.on('session:timeout', (e) => note(`⚠ ${e.workerId} ran past the session timeout; stopping its session`, color.yellow)),
    events.on('backpressure:on', (e) => note(`backpressure on: ${e.queueDepth} queued; intake paused`, color.yellow)),
    events.on('backpressure:off', (e) => note(`backpressure off: ${e.queueDepth} queued; intake resumed`)),
    events.on('pool:recycled', (e) => note(`↻ ${e.oldWorkerId} recycled after ${e.sessionsRun} sessions; ${e.newWorkerId} replaces it`)),
    events.on('fleet:joined', (e) => note(`joined the fleet as ${terminalSafe(e.coordinatorId)} (lease ${formatMs(e.leaseMs)})`)),
    events.on('fleet:reaped', (e) =>
      note(
        `coordinator ${terminalSafe(e.coordinatorId)} ${e.why === 'lease' ? 'stopped renewing its lease' : 'is gone from this host'}: presumed dead; ${e.sessions} of its session(s) requeued`,
        color.yellow,
      ),
    ),
    events.on('fleet:cleared', (e) => note(`killed what was left of ${terminalSafe(e.issueId)}'s session ${e.sessionId.slice(0, 8)} of a dead coordinator of this host`, color.yellow)),
    events.on('session:recovered', (e) => note(`recovered session ${e.sessionId} of ${e.issueId} left by a previous harness${e.killed ? ' (its processes were killed)' : ''}; requeued`, color.yellow)),
    events.on('run:stopping', () => (stopping = true)),
    events.on('hold:on', (e) =>
      note(
        e.kind === 'tracker'
          ? `⏸ intake on hold (tracker): ${e.reason}; no new issues, sessions go on · ${e.fix}`
          : `⏸ fleet on hold (${e.kind}): ${e.reason}; no new sessions, running ones go on · ${e.fix}`,
        color.yellow,
      ),
    ),
    events.on('hold:off', (e) => note(`▶ hold lifted (${e.kind}): ${e.by}`, color.green)),
    events.on('concurrency:changed', (e) => note(`${e.to < e.from ? '▼' : '▲'} concurrency ${e.from} → ${e.to}: ${e.reason}`, color.cyan)),
    events.on('lock:taken', (e) => {
      const holder = describeHolder(e.holder, e.at);
      if (e.why === 'forced') note(`--force-unlock: took the run lock from ${holder}`, color.yellow);
      else if (e.why === 'reused') note(`took over the run lock of ${holder}: that pid belongs to another process now`, color.yellow);
      else if (e.why === 'stale') note(`took over the run lock of ${holder}: its heartbeat stopped`, color.yellow);
    }),
    events.on('run:stopping', (e) =>
      note(e.force ? 'second interrupt: cancelling running sessions' : 'interrupt: no new sessions; waiting for running ones (interrupt again to cancel them)', color.yellow),
    ),
    events.on('merge:queued', (e) => note(`⇢ ${e.issueId} queued to merge (${e.branch})`)),
    events.on('merge:landed', (e) =>
      note(
        e.pullRequest !== undefined
          ? `⇉ opened a pull request for ${e.issueIds.join(', ')} against ${e.target}: ${e.pullRequest}`
          : `⇉ landed ${e.issueIds.join(', ')} on ${e.target}${e.detail ? ` (${e.detail})` : ''}`,
        color.green,
      ),
    ),
    events.on('merge:waiting', (e) => note(`⏸ ${e.issueIds.join(', ')} ready to land on ${e.target}, waiting: ${e.reason}`, color.yellow)),
    events.on('merge:rejected', (e) =>
      note(`✗ merge of ${e.issueId} rejected: ${e.reason}${e.issueStatus === 'queued' ? ' → requeued on the new target' : e.issueStatus === 'failed' ? ' → failed' : ''}`, color.yellow),
    ),
    // A failed beforeRun or afterCreate fails its session, whose line says so; these two change nothing else.
    events.on('hook:failed', (e) => {
      if (e.hook !== 'afterRun' && e.hook !== 'beforeRemove') return;
      const whose = e.issueId !== null ? ` of ${e.issueId}` : e.workerId !== null ? ` of ${e.workerId}` : '';
      note(`⚠ ${e.reason}${whose}${e.logPath ? ` · log ${options.cwd ? shownPath(e.logPath, options.cwd) : e.logPath}` : ''}`, color.yellow);
    }),
    events.on('health:error', (e) => note(`error in a health check: ${e.error instanceof Error ? e.error.message : String(e.error)}`, color.red)),
    events.on('merge:leader', (e) => note(e.leading ? `⚑ leading the fleet's merge queue (${e.reason})` : `⚐ no longer leading the merge queue: ${e.reason}`, color.cyan)),
    events.on('merge:error', (e) => note(`merge queue ${e.fatal ? 'stopped' : 'paused'}: ${e.error instanceof Error ? e.error.message : String(e.error)}`, color.red)),
    events.on('session:ended', (e) => {
      finished++;
      const mark = e.outcome === 'success' ? color.green('✓') : color.red('✗');
      const handOffFailed = e.outcome === 'success' && e.issueStatus === 'failed';
      const next = handOffFailed ? ` → failed${e.reason ? `: ${e.reason}` : ''}` : e.outcome === 'success' ? '' : e.issueStatus === 'queued' ? ' → requeued' : e.issueStatus === 'failed' ? ' → failed' : '';
      const log = e.outcome === 'success' ? null : (options.sessionLog?.(e.sessionId) ?? null);
      const where = log === null ? '' : 'file' in log ? ` · log ${options.cwd ? shownPath(log.file, options.cwd) : log.file}` : ' · no output';
      note(`${e.issueId} attempt ${e.attempt} ${e.outcome} in ${formatMs(e.durationMs)}${e.reason && e.outcome !== 'success' ? ` (${e.reason})` : ''}${next}${where}`, undefined, `${mark} `);
      // The last session's table would only repeat the final summary's, printed a moment later.
      if (!options.quiet && !tty && finished % tableEvery === 0 && !stopping && workLeft()) printTable(table());
    }),
  ];

  return {
    finish(summary) {
      over = true;
      offs.forEach((off) => off());
      if (refresh) clearInterval(refresh);
      spinner?.stop();
      options.out.off('error', detach);
      options.out.write(renderSummary(summary, { width: width(), ...(options.cwd ? { cwd: options.cwd } : {}) }) + '\n');
    },
    detach,
    note,
  };
}
