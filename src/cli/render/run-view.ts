import { Chalk } from 'chalk';
import type { EventBus } from '../../core/events.js';
import { StoreFailure } from '../../errors.js';
import type { ScaleMetrics } from '../../core/metrics-types.js';
import { describeHolder } from '../../runtime/coordinator-parts.js';
import type { RunSummary } from '../../runtime/coordinator-types.js';
import { formatMs, renderMetricsTable } from '../../metrics/render.js';
import { renderSummary } from './summary.js';

export interface RunViewOptions {
  out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  quiet: boolean;
  metrics: () => ScaleMetrics;
  /** Status counts for the status line. */
  status: () => { queued: number; running: number; merging?: number; done: number; failed: number; backlog: number };
  /** Plain mode prints the table after this many finished sessions. */
  tableEvery?: number;
  /** Terminal mode refreshes the table this often (ms). */
  refreshMs?: number;
}

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
  const color = new Chalk({ level: tty && !('NO_COLOR' in options.env) ? 1 : 0 });
  const tableEvery = options.tableEvery ?? 5;
  let finished = 0;
  let spinner: { text: string; isEnabled: boolean; clear(): unknown; render(): unknown; stop(): unknown } | null = null;
  let refresh: NodeJS.Timeout | null = null;
  let detached = false;
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

  const statusLine = (): string => {
    const s = options.status();
    return `${s.running} running · ${s.queued} queued${s.backlog ? ` · ${s.backlog} waiting (backpressure)` : ''}${s.merging ? ` · ${s.merging} merging` : ''} · ${s.done} done · ${s.failed} failed`;
  };
  const note = (line: string): void => {
    if (options.quiet) return;
    if (spinner) {
      spinner.clear();
      options.out.write(line + '\n');
      redraw();
      spinner.render();
    } else options.out.write(line + '\n');
  };
  const redraw = (): void => {
    if (spinner) spinner.text = `${statusLine()}\n${renderMetricsTable(options.metrics())}`;
  };

  if (tty && !options.quiet) {
    void import('ora').then(({ default: ora }) => {
      if (detached) return;
      // discardStdin would put the terminal in raw mode, where Ctrl-C is a
      // byte to read instead of SIGINT; the run never reads stdin, so Ctrl-C
      // must stay a signal.
      spinner = ora({ text: statusLine(), stream: options.out, color: 'cyan', isEnabled: true, discardStdin: false }).start();
      redraw();
      refresh = setInterval(redraw, options.refreshMs ?? 2000);
      refresh.unref();
    });
  }

  const offs = [
    events.on('scale:up', (e) => note(color.cyan(`▲ scale up ${e.from} → ${e.to}: ${e.reason}`))),
    events.on('scale:down', (e) => note(color.cyan(`▼ scale down ${e.from} → ${e.to}: ${e.reason}`))),
    events.on('session:stalled', (e) => note(color.yellow(`⚠ ${e.workerId} stalled (no progress for ${formatMs(e.at - e.lastProgressAt)}); stopping its session`))),
    events.on('session:timeout', (e) => note(color.yellow(`⚠ ${e.workerId} ran past the session timeout; stopping its session`))),
    events.on('backpressure:on', (e) => note(color.yellow(`backpressure on: ${e.queueDepth} queued; intake paused`))),
    events.on('backpressure:off', (e) => note(`backpressure off: ${e.queueDepth} queued; intake resumed`)),
    events.on('pool:recycled', (e) => note(`↻ ${e.oldWorkerId} recycled after ${e.sessionsRun} sessions; ${e.newWorkerId} replaces it`)),
    events.on('session:recovered', (e) => note(color.yellow(`recovered session ${e.sessionId} of ${e.issueId} left by a previous harness${e.killed ? ' (its processes were killed)' : ''}; requeued`))),
    events.on('lock:taken', (e) => {
      const holder = describeHolder(e.holder, e.at);
      if (e.why === 'forced') note(color.yellow(`--force-unlock: took the run lock from ${holder}`));
      else if (e.why === 'reused') note(color.yellow(`took over the run lock of ${holder}: that pid belongs to another process now`));
      else if (e.why === 'stale') note(color.yellow(`took over the run lock of ${holder}: its heartbeat stopped`));
    }),
    events.on('run:stopping', (e) =>
      note(color.yellow(e.force ? 'second interrupt: cancelling running sessions' : 'interrupt: no new sessions; waiting for running ones (interrupt again to cancel them)')),
    ),
    events.on('merge:queued', (e) => note(`⇢ ${e.issueId} queued to merge (${e.branch})`)),
    events.on('merge:landed', (e) => note(color.green(`⇉ landed ${e.issueIds.join(', ')} on ${e.target}${e.detail ? ` (${e.detail})` : ''}`))),
    events.on('merge:waiting', (e) => note(color.yellow(`⏸ ${e.issueIds.join(', ')} ready to land on ${e.target}, waiting: ${e.reason}`))),
    events.on('merge:rejected', (e) =>
      note(color.yellow(`✗ merge of ${e.issueId} rejected: ${e.reason}${e.issueStatus === 'queued' ? ' → requeued on the new target' : e.issueStatus === 'failed' ? ' → failed' : ''}`)),
    ),
    events.on('health:error', (e) => {
      // A store failure ends the run with its own one line; the merge loop running into it adds nothing.
      if (!(e.error instanceof StoreFailure)) note(color.red(`error in a health check: ${e.error instanceof Error ? e.error.message : String(e.error)}`));
    }),
    events.on('session:ended', (e) => {
      finished++;
      const mark = e.outcome === 'success' ? color.green('✓') : color.red('✗');
      const next = e.outcome === 'success' ? '' : e.issueStatus === 'queued' ? ' → requeued' : e.issueStatus === 'failed' ? ' → failed' : '';
      note(`${mark} ${e.issueId} attempt ${e.attempt} ${e.outcome} in ${formatMs(e.durationMs)}${e.reason && e.outcome !== 'success' ? ` (${e.reason})` : ''}${next}`);
      if (!tty && !options.quiet && finished % tableEvery === 0) note(renderMetricsTable(options.metrics()));
    }),
  ];

  return {
    finish(summary) {
      offs.forEach((off) => off());
      if (refresh) clearInterval(refresh);
      spinner?.stop();
      options.out.off('error', detach);
      options.out.write(renderSummary(summary) + '\n');
    },
    detach,
    note,
  };
}
