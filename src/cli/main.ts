import { Command, CommanderError } from 'commander';
import { addConfigFlags, configPathOption, flagsToOverrides } from '../config/flags.js';
import { HarnessError } from '../errors.js';
import { DEFAULT_CHAINS } from '../loadtest/chains.js';
import { terminalSafeLines } from '../text/escape.js';
import { VERSION } from '../version.js';
import type { CliIO } from './io.js';
import { processIO } from './io.js';

/**
 * The harness CLI: parses arguments, calls a command function, prints what
 * it returns. Command modules load only when their command runs, so
 * `harness --help` stays fast. Returns the exit code; only the bin exits.
 */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let exitCode = 0;
  const program = new Command('harness')
    .description('Run a fleet of coding agents through a backlog of issues: scaling, backpressure, stall recovery, live metrics.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(terminalSafeLines(s)) })
    .showHelpAfterError('(run with --help for usage)');

  const run = program
    .command('run')
    .description('work through a backlog of issues with a scaled pool of agent sessions')
    .option('--issues <file>', 'issues to work on: JSON Lines or a JSON array of {id, title, body?, priority?, labels?, blockedBy?}')
    .option('--watch [interval]', 'keep listing the source (every 30s unless given) and run until interrupted')
    .option('--skip-invalid', 'admit the valid records of an issues file and report the invalid ones')
    .option('--example', 'run the bundled example backlog with the example agent (shortened timings)')
    .option('--json', 'print one JSON summary on stdout; human output goes to stderr')
    .option('-q, --quiet', 'print only the final summary')
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://<host>:<port>/metrics while running (0: any free port)')
    .option('--metrics-host <host>', 'address the metrics server binds to (default 127.0.0.1)')
    .option('--dashboard-port <port>', 'serve the live web dashboard at http://<host>:<port>/ while running (0: any free port)')
    .option('--dashboard-host <host>', 'address the dashboard binds to (default 127.0.0.1; any other needs the printed token for every request)')
    .option('--dashboard-actions', "let the dashboard pause and resume dispatch, cancel sessions, retry failed issues and lift holds, with the token it prints")
    .option('--retry-failed', 'put every failed issue back in the queue with a fresh budget of attempts (its sessions are kept)')
    .option('--fresh', 'move the state and its logs aside to a timestamped name (nothing is deleted) and start a new state')
    .option('--force-unlock', 'take the run lock from whatever holds it (use only when that is not a running harness); says whose it was')
    .action(async (opts) => {
      const { runCommand } = await import('./commands/run.js');
      exitCode = await runCommand({ ...opts, io });
    });
  addConfigFlags(run);

  const loadTest = program
    .command('load-test')
    .description('run the real coordinator under a simulated workload and check the acceptance criteria (exit 0 pass, 1 fail); the scale flags override the timings derived from the workload')
    .option('--scenario <name|file>', 'smoke, light, medium, heavy, stress, rate-limited, chains, or a JSON scenario file (default: a custom spec)')
    .option('--issues <n>', 'issues that arrive in total')
    .option('--agents <n>', 'concurrency target: maxWorkers and the peak-concurrency yardstick')
    .option('--avg-duration <duration>', 'mean session duration, e.g. 60s')
    .option('--variance <share>', 'durations spread uniformly over mean × (1 ± variance), 0–1')
    .option('--failure-rate <share>', 'share of sessions that exit non-zero, 0–1')
    .option('--ramp-up <duration>', 'issues arrive evenly spaced over this time')
    .option('--stall-rate <share>', 'share of sessions that go silent until the stall check stops them, 0–1')
    .option('--seed <n>', 'seed of the session draws: same seed, same results')
    .option('--chain-share <share>', `share of the issues that arrive in dependency chains, 0–1 (default ${DEFAULT_CHAINS.share} with --chain-length alone)`)
    .option('--chain-length <n>', `issues per chain, each blocked by the one before it (default ${DEFAULT_CHAINS.length} with --chain-share alone)`)
    .option('--mode <mode>', 'simulation (virtual time, default) or process (real child processes)')
    .option('--time-scale <factor>', 'process mode: real time per scenario time (default 0.01)')
    .option('--policy <name>', 'scale with a baseline policy instead of the harness scaler: fixed-max, fixed-min or hpa')
    .option('--compare', 'also run the workload under baseline policies (fixed max, fixed min, HPA-style) and compare')
    .option('--json', 'print the results object as JSON on stdout; the report goes to stderr')
    .option('--junit <file>', 'write JUnit XML, one test case per acceptance criterion')
    .option('--report <file.html>', 'write a self-contained HTML report with charts')
    .action(async (opts) => {
      const { loadTestCommand } = await import('./commands/load-test.js');
      exitCode = await loadTestCommand({ ...opts, io });
    });
  addConfigFlags(loadTest, { refuseRunOnly: true });

  program
    .command('metrics')
    .description('the metric set, history and events of a state store, while a run writes it or after')
    .option('--state <path>', 'state database (default: the configured one, .harness/state.db)')
    .option('--config <path>', 'config file to take the state path from (default: search up from cwd)')
    .option('--since <duration>', 'count sessions and events of only the last <duration> (10m, 2h, 7d)')
    .option('--json', 'print JSON (same as --format json)')
    .option('--format <format>', 'table, json or prometheus (text exposition)')
    .option('--watch [interval]', 'print again every interval (default 2s) until interrupted')
    .option('--issue <id>', "one issue's attempts: worker, start, duration, outcome, exit, log")
    .option('--chart', 'workers and queue depth over time, from the recorded snapshots')
    .option('--store <url>', "a fleet's PostgreSQL store instead of a state file (default: the configured store, HARNESS_STORE_URL, unless --state); adds each coordinator's figures")
    .option('--store-schema <name>', "the schema of that store (default: the URL's ?schema=, else harness)")
    .action(async (opts) => {
      const { metricsCommand } = await import('./commands/metrics.js');
      exitCode = await metricsCommand({ ...opts, io });
    });

  program
    .command('status')
    .description("who runs a store: a fleet's coordinators (host, pid, version, state, heartbeat, lease, running sessions), or a state file's run lock holder")
    .option('--store <url>', "a fleet's PostgreSQL store (default: the configured store, HARNESS_STORE_URL, unless --state)")
    .option('--store-schema <name>', "the schema of that store (default: the URL's ?schema=, else harness)")
    .option('--state <path>', 'a state database instead (default: the configured one, .harness/state.db)')
    .option('--config <path>', 'config file to take the store or state path from (default: search up from cwd)')
    .option('--json', 'print JSON')
    .action(async (opts: Record<string, unknown>) => {
      const { statusCommand } = await import('./commands/status.js');
      exitCode = await statusCommand({ ...opts, io });
    });

  program
    .command('dashboard')
    .description('serve a live web dashboard of a state store (a run in progress, or a finished one) until interrupted')
    .option('--state <path>', 'state database (default: the configured one, .harness/state.db)')
    .option('--store <url>', "a fleet's PostgreSQL store to watch instead (postgres://…; default: HARNESS_STORE_URL)")
    .option('--store-schema <name>', 'the schema holding its tables (default: HARNESS_STORE_SCHEMA, else harness)')
    .option('--config <path>', 'config file to take the state path and stall timeout from (default: search up from cwd)')
    .option('--port <port>', 'port to serve on (default 8710; 0: any free port)')
    .option('--host <host>', 'address to bind (default 127.0.0.1; any other needs the printed token for every request)')
    .option('--allow-actions', 'let the page pause and resume dispatch, cancel sessions, retry failed issues and lift holds, with the token printed at start')
    .action(async (opts: Record<string, unknown>) => {
      const { dashboardCommand } = await import('./commands/dashboard.js');
      exitCode = await dashboardCommand({ ...opts, io });
    });

  program
    .command('logs <id>')
    .description("print an issue's session log (its latest attempt unless --attempt), or follow it until the session ends")
    .option('--attempt <n>', "that attempt's log instead of the latest")
    .option('-f, --follow', 'keep printing what the agent writes until its session ends')
    .option('--store <url>', "a fleet's PostgreSQL store (default: the configured store, HARNESS_STORE_URL, unless --state); a log is on the host that ran its session")
    .option('--store-schema <name>', "the schema of that store (default: the URL's ?schema=, else harness)")
    .option('--state <path>', 'state database (default: the configured one, .harness/state.db)')
    .option('--config <path>', 'config file to take the store or state path from (default: search up from cwd)')
    .action(async (id: string, opts: Record<string, unknown>) => {
      const { logsCommand } = await import('./commands/logs.js');
      exitCode = await logsCommand({ ...opts, id, io });
    });

  program
    .command('clean')
    .description('remove harness worktrees and the harness/* branches merged into the target; say what was removed and kept')
    .option('--state <path>', 'state database whose worktrees to clean (default: the configured one, .harness/state.db)')
    .option('--config <path>', 'config file to take the state path and merge target from (default: search up from cwd)')
    .option('--force', 'also remove worktrees that have uncommitted changes')
    .action(async (opts) => {
      const { cleanCommand } = await import('./commands/clean.js');
      exitCode = await cleanCommand({ ...opts, io });
    });

  program
    .command('retry <ids...>')
    .description('put failed issues back in the queue with a fresh budget of attempts; their sessions are kept (exit 2 if an id is unknown or not failed)')
    .option('--store <url>', "a fleet's PostgreSQL store (default: the configured store, HARNESS_STORE_URL, unless --state)")
    .option('--store-schema <name>', "the schema of that store (default: the URL's ?schema=, else harness)")
    .option('--state <path>', 'state database (default: the configured one, .harness/state.db)')
    .option('--config <path>', 'config file to take the store or state path from (default: search up from cwd)')
    .action(async (ids: string[], opts: Record<string, unknown>) => {
      const { retryCommand } = await import('./commands/retry.js');
      exitCode = await retryCommand({ ...opts, ids, io });
    });

  const config = program.command('config').description('show, validate or create the configuration');
  addConfigFlags(
    config
      .command('show')
      .description('the resolved configuration and where each value came from')
      .option('--json', 'print JSON')
      .action(async (opts: Record<string, unknown>) => {
        const { configShow } = await import('./commands/config.js');
        const result = await configShow({
          cwd: io.cwd,
          configPath: configPathOption(opts),
          env: io.env,
          flags: flagsToOverrides(opts),
          json: Boolean(opts.json),
        });
        io.stdout.write(result.output.endsWith('\n') ? result.output : result.output + '\n');
      }),
  );
  config
    .command('validate [file]')
    .description('check a config file (default: the one harness would find); exit 2 listing every problem')
    .action(async (file: string | undefined) => {
      const { configValidate } = await import('./commands/config.js');
      const result = await configValidate({ cwd: io.cwd, file, env: io.env });
      io.stdout.write(result.output.endsWith('\n') ? result.output : result.output + '\n');
    });
  config
    .command('init')
    .description('write harness.config.json from the example')
    .option('--force', 'overwrite an existing harness.config.json')
    .action(async (opts: { force?: boolean }) => {
      const { configInit } = await import('./commands/config.js');
      const result = await configInit({ cwd: io.cwd, force: Boolean(opts.force) });
      io.stdout.write(result.output.endsWith('\n') ? result.output : result.output + '\n');
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CliIO): number {
  if (error instanceof CommanderError) {
    // Help and version are not errors; anything else commander rejects is a usage error.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
    return 2;
  }
  if (error instanceof HarnessError) {
    // Messages quote what the user gave (paths, ids, values): no control character reaches the terminal.
    io.stderr.write(`harness: ${terminalSafeLines(error.message)}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`harness: unexpected error: ${terminalSafeLines(message)}\n`);
  if (io.env.HARNESS_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  else io.stderr.write('(set HARNESS_DEBUG=1 for a stack trace)\n');
  return 1;
}
