import { Command, CommanderError } from 'commander';
import { addConfigFlags, configPathOption, flagsToOverrides } from '../config/flags.js';
import { HarnessError } from '../errors.js';
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
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)');

  const run = program
    .command('run')
    .description('work through a backlog of issues with a scaled pool of agent sessions')
    .option('--issues <file>', 'issues to work on: JSON Lines or a JSON array of {id, title, body?, priority?, labels?}')
    .option('--skip-invalid', 'admit the valid records of an issues file and report the invalid ones')
    .option('--example', 'run the bundled example backlog with the example agent (shortened timings)')
    .option('--json', 'print one JSON summary on stdout; human output goes to stderr')
    .option('-q, --quiet', 'print only the final summary')
    .action(async (opts) => {
      const { runCommand } = await import('./commands/run.js');
      exitCode = await runCommand({ ...opts, io });
    });
  addConfigFlags(run);

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
    io.stderr.write(`harness: ${error.message}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`harness: unexpected error: ${message}\n`);
  if (io.env.HARNESS_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  else io.stderr.write('(set HARNESS_DEBUG=1 for a stack trace)\n');
  return 1;
}
