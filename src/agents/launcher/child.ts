/**
 * A launcher process: starts agent sessions for the harness, which talks to
 * it over stdin and stdout (./protocol.ts).
 *
 * Starting a process from Node.js copies the parent's page tables, so it
 * costs more the bigger the parent is, and it blocks the parent's event loop.
 * A small launcher process does it instead, next to the harness's own work on
 * the other core, and also reads the agents' output and writes their logs.
 *
 * It runs each session exactly as the in-process ProcessRunner does (one
 * ProcessSession each). It ignores SIGINT, SIGTERM and SIGHUP, which the
 * harness handles for the whole run, and exits as soon as its stdin closes:
 * when the harness closes it, or when the harness died, in which case the
 * agents are left to the next run's crash recovery, as they would be without
 * a launcher.
 */
import { realClock } from '../../runtime/clock.js';
import { ProcessSession, type ProcessSessionOptions } from '../process-session.js';
import { LineReader, Outbox, type LauncherEvent, type LauncherRequest } from './protocol.js';

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => {});

const outbox = new Outbox((text) => process.stdout.write(text));
const sessions = new Map<string, ProcessSession>();
let options: ProcessSessionOptions | null = null;

function emit(event: LauncherEvent): void {
  outbox.send(event);
}

function handle(request: LauncherRequest): void {
  switch (request.type) {
    case 'init':
      options = { ...request, clock: realClock };
      return;
    case 'start': {
      if (options === null) throw new Error('launcher: start before init');
      const { sessionId } = request.spec;
      const session = new ProcessSession(options, request.spec, {
        onSpawn: (pid, pgid) => emit({ type: 'spawn', sessionId, pid, pgid }),
        onProgress: () => emit({ type: 'progress', sessionId }),
        onExit: (exit) => {
          sessions.delete(sessionId);
          emit({ type: 'exit', sessionId, exit });
        },
      });
      sessions.set(sessionId, session);
      session.begin();
      return;
    }
    case 'kill':
      sessions.get(request.sessionId)?.kill();
      return;
  }
}

const reader = new LineReader((line) => handle(JSON.parse(line) as LauncherRequest));
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => reader.push(chunk));
process.stdin.on('end', () => {
  outbox.flush();
  process.exit(0);
});
// The harness is gone; nobody is left to read what this process would say.
process.stdout.on('error', () => process.exit(0));
