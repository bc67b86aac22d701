import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { hostname } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { StoreError, UsageError } from '../../errors.js';
import type { LoggedSession, SessionLogSource } from '../../metrics/logs/source.js';
import { realClock, type Clock } from '../../runtime/clock.js';
import type { CliIO } from '../io.js';
import { terminalSafe, terminalSafeText } from '../../text/escape.js';
import { shownPath } from '../render/log-tail.js';
import { openStateReader, resolveStateConfig } from '../state.js';
import { resolveStoreChoice } from '../store-url.js';

export interface LogsCommandOptions extends Record<string, unknown> {
  io: CliIO;
  /** The issue id, as in the issues file. */
  id: string;
  /** `--attempt <n>`: that attempt's session instead of the latest. */
  attempt?: string;
  /** `-f, --follow`: keep printing what the agent writes until its session ends. */
  follow?: boolean;
  /** A fleet's PostgreSQL store; default the configured store (config file, HARNESS_STORE_URL) unless --state is given. */
  store?: string;
  storeSchema?: string;
  state?: string;
  config?: string;
  /** Injected in tests; the real clock otherwise. */
  clock?: Clock;
  /** How often a followed log and its session are looked at (ms). Default 200. */
  pollMs?: number;
}

const READ_CHUNK = 64 * 1024;

/**
 * `harness logs <id>`: print the log of an issue's latest session (or of
 * `--attempt N`), or with `--follow` print it as it grows until the session
 * ends. The log goes to stdout as the agent wrote it when stdout is a pipe
 * or a file; on a terminal its control characters are escaped, so what the
 * agent printed cannot drive the terminal. A line naming the log and the
 * session goes to stderr, and `(no output)` after it when the session has
 * no log file: a log is made at the agent's first output. On a fleet's
 * store, a log is on the host that ran the session: asked on another, it
 * says where. Returns the exit code.
 */
export async function logsCommand(options: LogsCommandOptions): Promise<number> {
  const { io } = options;
  const attempt = options.attempt === undefined ? null : parseAttempt(options.attempt);
  const source = await openSource(options);
  try {
    const session = await pickSession(source, options.id, attempt);
    const log = session.logPath;
    if (log === null) throw new StoreError(`attempt ${session.attempt} of issue ${JSON.stringify(options.id)} has no log: it ran without a log directory`);
    if (session.host !== null && session.host !== hostname()) {
      throw new UsageError(
        `attempt ${session.attempt} of issue ${JSON.stringify(options.id)} ran on host ${terminalSafe(session.host)}, and its log is there (${terminalSafe(log)}): run harness logs on that host`,
      );
    }
    io.stderr.write(`==> ${terminalSafe(shownPath(log, io.cwd))} (issue ${JSON.stringify(options.id)}, attempt ${session.attempt}, ${session.outcome ?? 'running'}) <==\n`);
    const printer = new LogPrinter(log, io.stdout);
    let ended = session.endedAt !== null;
    try {
      printer.drain();
      if (options.follow && !ended) ended = await follow(source, session, printer, options);
    } finally {
      printer.close();
    }
    if (!printer.found) io.stderr.write(ended ? '(no output)\n' : '(no output yet)\n');
    return 0;
  } finally {
    await source.close();
  }
}

/** The fleet's store when one is asked for (or configured), else the state file. */
async function openSource(options: LogsCommandOptions): Promise<SessionLogSource> {
  const choice = await resolveStoreChoice(options);
  if (choice) {
    const [{ PgReader }, { fleetLogs }] = await Promise.all([import('../../metrics/pg/index.js'), import('../../metrics/logs/fleet.js')]);
    return fleetLogs(await PgReader.open(choice.url, { schema: choice.schema }));
  }
  const { shown, path } = await resolveStateConfig(options.io, options);
  const { stateFileLogs } = await import('../../metrics/logs/state-file.js');
  return stateFileLogs(openStateReader(shown, path), shown, options.clock ?? realClock);
}

function parseAttempt(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1) throw new UsageError(`--attempt: expected an attempt number (1, 2, …), received ${JSON.stringify(text)}`);
  return n;
}

/** The session whose log is wanted: the latest of the issue, or the latest with that attempt number. */
async function pickSession(source: SessionLogSource, id: string, attempt: number | null): Promise<LoggedSession> {
  const status = await source.issueStatus(id);
  if (status === null) throw new UsageError(`no issue ${JSON.stringify(id)} in ${source.shown}: pass an id from the issues file this state was run with (harness metrics lists them)`);
  const sessions = await source.sessionsOf(id);
  if (sessions.length === 0) throw new UsageError(`issue ${JSON.stringify(id)} has no log yet: it has not had a session (it is ${status})`);
  if (attempt === null) return sessions.at(-1)!;
  const match = sessions.filter((s) => s.attempt === attempt).at(-1);
  if (!match) {
    const attempts = [...new Set(sessions.map((s) => s.attempt))].join(', ');
    throw new UsageError(`issue ${JSON.stringify(id)} has no attempt ${attempt}: its sessions ran attempt(s) ${attempts}`);
  }
  return match;
}

/**
 * Print the log as it grows (from when it is made), until its session ends
 * (or nothing runs it any more, or an interrupt). Resolves with whether the session ended.
 */
async function follow(source: SessionLogSource, session: LoggedSession, printer: LogPrinter, options: LogsCommandOptions): Promise<boolean> {
  const clock = options.clock ?? realClock;
  const pollMs = options.pollMs ?? 200;
  let interrupted = false;
  let wake = (): void => {};
  const off = options.io.onSignal(() => {
    interrupted = true;
    wake();
  });
  try {
    while (!interrupted) {
      const now = await source.now(session);
      printer.drain();
      if (now.state === 'ended') return true;
      if (now.state === 'orphaned') {
        options.io.stderr.write(`harness: ${terminalSafe(now.why)}\n`);
        return false;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        void clock.sleep(pollMs).then(resolve);
      });
    }
  } finally {
    off();
  }
  return false;
}

/**
 * Copies what a log file holds beyond what was already printed; escapes it
 * for a terminal. The file may not be there yet (a log is made at the
 * agent's first output): then there is nothing to print so far.
 */
class LogPrinter {
  private fd: number | null = null;
  private opened = false;
  private offset = 0;
  private readonly decoder = new StringDecoder('utf8');
  private readonly chunk = Buffer.alloc(READ_CHUNK);

  constructor(
    private readonly path: string,
    private readonly out: CliIO['stdout'],
  ) {}

  /** Whether the log file was there to print from. */
  get found(): boolean {
    return this.opened;
  }

  /** Print everything written so far. */
  drain(): void {
    if (this.fd === null) {
      try {
        this.fd = openSync(this.path, 'r');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return;
        throw new StoreError(`cannot read the log ${this.path}: ${code ?? String(error)}`);
      }
      this.opened = true;
    }
    const size = fstatSync(this.fd).size;
    while (this.offset < size) {
      const n = readSync(this.fd, this.chunk, 0, Math.min(READ_CHUNK, size - this.offset), this.offset);
      if (n === 0) break;
      this.offset += n;
      const bytes = this.chunk.subarray(0, n);
      if (this.out.isTTY) this.out.write(terminalSafeText(this.decoder.write(bytes)));
      else this.out.write(Buffer.from(bytes));
    }
  }

  close(): void {
    if (this.fd === null) return;
    if (this.out.isTTY) {
      const rest = this.decoder.end();
      if (rest) this.out.write(terminalSafeText(rest));
    }
    closeSync(this.fd);
    this.fd = null;
  }
}
