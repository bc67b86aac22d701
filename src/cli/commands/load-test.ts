import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Chalk } from 'chalk';
import { configPathOption, flagsToOverrides, runOnlyFlagProblems } from '../../config/flags.js';
import { parseDuration } from '../../config/duration.js';
import { UsageError } from '../../errors.js';
import { terminalSafe } from '../../text/escape.js';
import { renderHtmlReport } from '../../loadtest/report-html.js';
import { renderJUnit } from '../../loadtest/junit.js';
import { createProgressView } from '../../loadtest/progress.js';
import { renderComparison, renderReport, type Paint } from '../../loadtest/render.js';
import type { LoadTestResults } from '../../loadtest/results.js';
import { compareLoadTest, DEFAULT_TIME_SCALE, runLoadTest, type LoadTestOptions } from '../../loadtest/run.js';
import { DEFAULT_CHAINS } from '../../loadtest/chains.js';
import { resolveScenario } from '../../loadtest/scenarios.js';
import { DEFAULT_SPEC, specProblems, type LoadTestSpec } from '../../loadtest/spec.js';
import type { CliIO } from '../io.js';

export interface LoadTestCommandOptions extends Record<string, unknown> {
  io: CliIO;
  scenario?: string;
  issues?: string;
  agents?: string;
  avgDuration?: string;
  variance?: string;
  failureRate?: string;
  rampUp?: string;
  stallRate?: string;
  seed?: string;
  chainShare?: string;
  chainLength?: string;
  mode?: string;
  timeScale?: string;
  json?: boolean;
  junit?: string;
  report?: string;
  compare?: boolean;
  policy?: string;
}

type SpecField = Exclude<keyof LoadTestSpec, 'name' | 'description' | 'rateLimit' | 'chains'>;

/** The custom-spec flags: option key, spec field, flag as typed, how the text is read. */
const SPEC_FLAGS: readonly [keyof LoadTestCommandOptions, SpecField, string, 'number' | 'duration'][] = [
  ['issues', 'totalIssues', '--issues', 'number'],
  ['agents', 'concurrentAgents', '--agents', 'number'],
  ['avgDuration', 'avgSessionDurationMs', '--avg-duration', 'duration'],
  ['variance', 'sessionDurationVariance', '--variance', 'number'],
  ['failureRate', 'failureRate', '--failure-rate', 'number'],
  ['rampUp', 'rampUpMs', '--ramp-up', 'duration'],
  ['stallRate', 'stallRate', '--stall-rate', 'number'],
  ['seed', 'seed', '--seed', 'number'],
];

/** The chain flags: option key, field of `chains`, flag as typed. */
const CHAIN_FLAGS: readonly [keyof LoadTestCommandOptions, 'share' | 'length', string][] = [
  ['chainShare', 'share', '--chain-share'],
  ['chainLength', 'length', '--chain-length'],
];

/** Text to a number; anything unreadable stays as text so the spec check reports it as received. */
function readValue(text: string, kind: 'number' | 'duration'): unknown {
  if (kind === 'duration') {
    try {
      return parseDuration(text);
    } catch {
      return text;
    }
  }
  const trimmed = text.trim();
  return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : text;
}

/** The spec from --scenario (or the defaults) with the custom flags over it. */
export function specFromOptions(options: LoadTestCommandOptions, cwd: string): LoadTestSpec {
  const base = options.scenario !== undefined ? resolveScenario(options.scenario, cwd) : { ...DEFAULT_SPEC };
  const custom: Record<string, unknown> = {};
  for (const [key, field, , kind] of SPEC_FLAGS) {
    const text = options[key];
    if (typeof text === 'string') custom[field] = readValue(text, kind);
  }
  // One chain flag alone keeps the other field of the scenario's chains, or of DEFAULT_CHAINS.
  const chainFlags = CHAIN_FLAGS.filter(([key]) => typeof options[key] === 'string');
  if (chainFlags.length > 0) {
    custom.chains = { ...(base.chains ?? DEFAULT_CHAINS), ...Object.fromEntries(chainFlags.map(([key, field]) => [field, readValue(options[key] as string, 'number')])) };
  }
  const changed = Object.keys(custom).length > 0;
  const spec = { ...base, ...custom, name: changed && options.scenario !== undefined ? `${base.name}-custom` : base.name };
  const flagOf = (field: string) => SPEC_FLAGS.find(([, f]) => f === field)?.[2] ?? CHAIN_FLAGS.find(([, f]) => `chains.${f}` === field)?.[2] ?? field;
  const problems = specProblems(spec, flagOf);
  if (problems.length > 0) throw new UsageError(`invalid load-test workload:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return spec as LoadTestSpec;
}

function parseMode(options: LoadTestCommandOptions): { mode: 'simulation' | 'process'; timeScale: number } {
  const mode = options.mode ?? 'simulation';
  if (mode !== 'simulation' && mode !== 'process') {
    throw new UsageError(`--mode: expected "simulation" or "process", received ${JSON.stringify(mode)}`);
  }
  const timeScale = options.timeScale === undefined ? DEFAULT_TIME_SCALE : Number(options.timeScale);
  if (!(Number.isFinite(timeScale) && timeScale > 0)) {
    throw new UsageError(`--time-scale: expected a positive number (0.01 runs 100× faster than real time), received "${options.timeScale}"`);
  }
  return { mode, timeScale };
}

/** `harness load-test`: returns 0 when every criterion passed, 1 when one failed; usage errors throw (exit 2). */
export async function loadTestCommand(options: LoadTestCommandOptions): Promise<number> {
  const { io } = options;
  const runOnly = runOnlyFlagProblems(options);
  if (runOnly.length > 0) throw new UsageError(runOnly.join('\n'));
  const spec = specFromOptions(options, io.cwd);
  const { mode, timeScale } = parseMode(options);
  const human = options.json ? io.stderr : io.stdout;
  const color = new Chalk({ level: human.isTTY && !('NO_COLOR' in io.env) ? 1 : 0 });
  const paint: Paint = { pass: (t) => color.green(t), fail: (t) => color.red(t), dim: (t) => color.dim(t) };
  const abort = new AbortController();
  const offSignal = io.onSignal(() => abort.abort());
  const progress = mode === 'process' ? createProgressView(io.stderr, Boolean(io.stderr.isTTY) && !io.env.CI) : null;
  if (options.policy !== undefined && options.compare) {
    throw new UsageError('--policy and --compare do not go together: --compare already runs every policy');
  }
  const runOptions: LoadTestOptions = {
    mode,
    timeScale,
    ...(options.policy !== undefined ? { policy: options.policy } : {}),
    env: io.env,
    flags: flagsToOverrides(options),
    signal: abort.signal,
    ...(configPathOption(options) !== undefined ? { configPath: configPathOption(options)! } : {}),
    ...(progress ? { onProgress: (p) => progress.update({ ...p, total: spec.totalIssues }) } : {}),
  };
  if (mode === 'process') human.write(`${terminalSafe(`running "${spec.name}" with real processes at time scale ${timeScale}…`)}\n`);
  let runs: LoadTestResults[];
  try {
    runs = options.compare ? await compareLoadTest(spec, io.cwd, runOptions) : [await runLoadTest(spec, io.cwd, runOptions)];
  } finally {
    progress?.finish();
    offSignal();
  }
  const results = runs[0]!;
  const width = Math.max(30, Math.min(100, (io.stdout.columns ?? 80) - 12));
  human.write(`${renderReport(results, paint, width)}\n`);
  if (options.compare) human.write(`\n${renderComparison(runs, paint)}\n`);
  const wall = runs.reduce((sum, r) => sum + r.wallClock.elapsedMs, 0);
  human.write(paint.dim(`wall-clock time: ${wall.toFixed(0)} ms${options.compare ? ` for ${runs.length} runs` : ''}`) + '\n');
  if (options.junit) writeOutput(resolve(io.cwd, options.junit), renderJUnit(results), 'JUnit XML', human);
  if (options.report) writeOutput(resolve(io.cwd, options.report), renderHtmlReport(results), 'HTML report', human);
  if (options.json) {
    const payload = options.compare ? { results, comparison: runs } : results;
    io.stdout.write(`${JSON.stringify(payload, null, 2)}\n`);
  }
  // An interrupted run reports what it saw, but its verdict means nothing.
  if (abort.signal.aborted) return 130;
  return results.passed ? 0 : 1;
}

function writeOutput(path: string, text: string, what: string, human: NodeJS.WritableStream): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new UsageError(`cannot write the ${what} to ${path}: ${(error as Error).message}; check that the directory exists and is writable`);
  }
  human.write(`wrote ${what} to ${path}\n`);
}
