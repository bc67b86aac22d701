import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseDuration } from '../../config/duration.js';
import { UsageError } from '../../errors.js';
import { openStoreReader, type StoreQueries } from '../../metrics/queries.js';
import { buildReport, reportClock } from '../../metrics/report.js';
import { realClock, type Clock } from '../../runtime/clock.js';
import { isAlive, processIdentity } from '../../runtime/processes.js';
import { directoryProblem } from '../../text/input.js';
import type { CliIO } from '../io.js';
import { missingStore, resolveStatePath } from '../state-path.js';
import { resolveStoreChoice, type StoreChoice } from '../store-url.js';

export interface MetricsCommandOptions extends Record<string, unknown> {
  io: CliIO;
  /** The state file; default: the configured one (`.harness/state.db`). */
  state?: string;
  /** A config file to take the state path from. */
  config?: string;
  /** A PostgreSQL store's URL (a fleet's); default the configured store (config file, HARNESS_STORE_URL) unless --state is given. */
  store?: string;
  /** The schema of that store; default the URL's `?schema=`, else `harness`. */
  storeSchema?: string;
  /** Duration: restrict windowed figures and events to this much time before now. */
  since?: string;
  json?: boolean;
  format?: string;
  /** `--watch` (true, every 2 s) or `--watch <interval>`. */
  watch?: boolean | string;
  issue?: string;
  chart?: boolean;
  /** Injected in tests; the real clock otherwise. */
  clock?: Clock;
}

const FORMATS = ['table', 'json', 'prometheus'] as const;
type Format = (typeof FORMATS)[number];

const DEFAULT_WATCH_MS = 2000;
const STATE_FILE = { what: 'state database', fix: 'pass --state <file>, the .db file `harness run` wrote (default .harness/state.db)' };
/** Home the cursor and clear the screen, so each refresh replaces the last. */
const CLEAR_SCREEN = '\x1b[H\x1b[2J';

/**
 * `harness metrics`: read the state store (while a run writes it, or after)
 * and print the metric set, one issue's attempts (`--issue`) or the history
 * chart (`--chart`), once or every interval (`--watch`) until interrupted.
 * Returns the exit code.
 */
export async function metricsCommand(options: MetricsCommandOptions): Promise<number> {
  const { io } = options;
  const clock = options.clock ?? realClock;
  const format = resolveFormat(options);
  const sinceMs = options.since === undefined ? null : positiveDuration('--since', options.since);
  const watchMs = options.watch === undefined || options.watch === false ? null : options.watch === true ? DEFAULT_WATCH_MS : positiveDuration('--watch', options.watch);
  checkCombination(options, format, sinceMs);
  const store = await resolveStoreChoice(options);
  if (store) return metricsOfFleet(options, store, { format, sinceMs, watchMs, clock });

  const { shown, path } = await resolveStatePath(options);
  const directory = directoryProblem(path, shown, STATE_FILE);
  if (directory) throw new UsageError(directory);
  if (!existsSync(path)) throw missingStore(shown, path, options.state !== undefined);
  const queries = openStoreReader(path);
  const render = renderer(queries, { format, sinceMs, state: shown, clock, options });
  try {
    if (watchMs === null) {
      io.stdout.write(await render(false));
      return 0;
    }
    return await watch(io, clock, watchMs, render);
  } finally {
    queries.close();
  }
}

/**
 * `harness metrics --store`: the same report, read from a fleet's
 * PostgreSQL store, with its coordinators. Only the metric set: one issue's
 * attempts and the chart read a state file.
 */
async function metricsOfFleet(
  options: MetricsCommandOptions,
  store: StoreChoice,
  settings: { format: Format; sinceMs: number | null; watchMs: number | null; clock: Clock },
): Promise<number> {
  const { io } = options;
  const { format, sinceMs, watchMs, clock } = settings;
  if (options.issue !== undefined || options.chart) {
    throw new UsageError(`${options.chart ? '--chart' : '--issue'} reads a state file: with --store, harness metrics shows the fleet's metric set only; drop ${options.chart ? '--chart' : '--issue'}`);
  }
  const { PgReader, buildFleetReport, collectFleetPrometheus } = await import('../../metrics/pg/index.js');
  const reader = await PgReader.open(store.url, { schema: store.schema });
  const self = hostname();
  const liveness = () => ({ state: reader.location, hostname: self, isAlive, identify: processIdentity, now: clock.now() });
  const json = (value: unknown, watching: boolean): string => (watching ? JSON.stringify(value) : JSON.stringify(value, null, 2)) + '\n';
  const render = async (watching: boolean): Promise<string> => {
    if (format === 'prometheus') return collectFleetPrometheus(reader, liveness());
    const report = await buildFleetReport(reader, { ...liveness(), sinceMs });
    if (format === 'json') return json(report, watching);
    const { renderReport } = await import('../../metrics/render-report.js');
    const columns = io.stdout.isTTY ? io.stdout.columns : undefined;
    return renderReport(report, { width: columns || undefined }) + '\n';
  };
  try {
    if (watchMs === null) {
      io.stdout.write(await render(false));
      return 0;
    }
    return await watch(io, clock, watchMs, render);
  } finally {
    await reader.close();
  }
}

/** Re-render every `intervalMs` until SIGINT/SIGTERM; clear the screen between renders only on a terminal. */
async function watch(io: CliIO, clock: Clock, intervalMs: number, render: (watching: boolean) => Promise<string>): Promise<number> {
  let stopped = false;
  let wake = (): void => {};
  const off = io.onSignal(() => {
    stopped = true;
    wake();
  });
  try {
    while (!stopped) {
      const text = await render(true);
      io.stdout.write(io.stdout.isTTY ? CLEAR_SCREEN + text : text);
      await new Promise<void>((resolveWait) => {
        wake = resolveWait;
        void clock.sleep(intervalMs).then(resolveWait);
      });
    }
    return 0;
  } finally {
    off();
  }
}

interface RenderSettings {
  format: Format;
  sinceMs: number | null;
  state: string;
  clock: Clock;
  options: MetricsCommandOptions;
}

/** The text of one render, ending in a newline. Modules for the less common outputs load only when asked for. */
function renderer(queries: StoreQueries, settings: RenderSettings): (watching: boolean) => Promise<string> {
  const { format, sinceMs, state, clock, options } = settings;
  const self = hostname();
  const liveness = () => ({ hostname: self, isAlive, identify: processIdentity, now: clock.now() });
  // While watching, JSON goes out one object per line so a consumer can read it as a stream.
  const json = (value: unknown, watching: boolean): string => (watching ? JSON.stringify(value) : JSON.stringify(value, null, 2)) + '\n';

  if (options.issue !== undefined) {
    const id = options.issue;
    return async (watching) => {
      const { buildIssueReport, renderIssueReport } = await import('../../metrics/issue-report.js');
      const report = buildIssueReport(queries, id, clock.now(), state);
      return format === 'json' ? json(report, watching) : renderIssueReport(report) + '\n';
    };
  }
  if (options.chart) {
    return async (watching) => {
      const [{ renderChart }, { readChartData }, { headline }] = await Promise.all([
        import('../../metrics/chart.js'),
        import('../../metrics/history.js'),
        import('../../metrics/render-report.js'),
      ]);
      const { live, now, nowSource, lock } = reportClock(queries, liveness());
      const width = Math.min(80, options.io.stdout.columns ?? 80);
      const data = readChartData(queries, { now, sinceMs, width });
      if (format === 'json') return json({ state, live, now, from: data.from, to: data.to, points: data.points }, watching);
      const chart = renderChart(data.points, { width, ...(data.from !== null && data.to !== null ? { from: data.from, to: data.to } : {}) });
      return `${headline({ state, live, now, nowSource, run: lock ?? null })}\n${chart}\n`;
    };
  }
  if (format === 'prometheus') {
    return async () => {
      const { collectPrometheus } = await import('../../metrics/prometheus.js');
      return collectPrometheus(queries, { state, ...liveness() });
    };
  }
  return async (watching) => {
    const report = buildReport(queries, { state, sinceMs, ...liveness() });
    if (format === 'json') return json(report, watching);
    const { renderReport } = await import('../../metrics/render-report.js');
    const columns = options.io.stdout.isTTY ? options.io.stdout.columns : undefined;
    return renderReport(report, { width: columns || undefined }) + '\n';
  };
}

function resolveFormat(options: MetricsCommandOptions): Format {
  const format = options.format;
  if (format !== undefined && !(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format: expected one of ${FORMATS.join(', ')}, received ${JSON.stringify(format)}`);
  }
  if (options.json && format !== undefined && format !== 'json') {
    throw new UsageError(`--json asks for JSON but --format asks for ${format}: pass one of them`);
  }
  return options.json ? 'json' : ((format as Format | undefined) ?? 'table');
}

function checkCombination(options: MetricsCommandOptions, format: Format, sinceMs: number | null): void {
  if (options.issue !== undefined && options.chart) throw new UsageError('--issue and --chart show different things: pass one of them');
  if (format === 'prometheus' && (options.issue !== undefined || options.chart)) {
    throw new UsageError(`--format prometheus prints the metric set only: drop ${options.chart ? '--chart' : '--issue'}, or use --format table or json`);
  }
  if (format === 'prometheus' && sinceMs !== null) {
    throw new UsageError('--since does not apply to --format prometheus: its counters are totals for the whole store; use rate() or increase() in PromQL for a window');
  }
}

/** A leading day count, which looking back over history calls for (`7d`, `1d12h`); the rest is a config duration. */
const DAYS = /^\s*(\d+(?:\.\d+)?)d(.*)$/;

function positiveDuration(flag: string, value: string): number {
  let ms: number;
  try {
    const days = DAYS.exec(value);
    ms = days ? Number(days[1]) * 86_400_000 + (days[2]?.trim() ? parseDuration(days[2]) : 0) : parseDuration(value);
  } catch (error) {
    throw new UsageError(`${flag}: ${error instanceof Error ? error.message : String(error)}, or days (7d, 1d12h)`);
  }
  if (!(ms > 0)) throw new UsageError(`${flag}: expected a duration above zero, such as 10m or 2s, received ${JSON.stringify(value)}`);
  return ms;
}
