/**
 * A session's log, followed live as server-sent events: the tail already
 * written, then what the agent writes as it writes it, until the session
 * ends. The log's path comes from the store, never from the request. Text
 * goes out with its control characters written as escapes (newlines and
 * tabs kept), as JSON strings, for the page to show as text.
 */
import { closeSync, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { Clock, TimerHandle } from '../runtime/clock.js';
import type { SessionRow } from '../store/types.js';
import { terminalSafeText } from '../text/escape.js';
import { sendEvent } from './sse.js';

/** What is sent of a log that was already long when following began (bytes). */
export const LOG_TAIL_BYTES = 256 * 1024;
/** The most read in one poll, so one flooding agent cannot hold the server (bytes). */
const READ_MAX = 1024 * 1024;

export interface LogFollowOptions {
  session: SessionRow;
  /** The session as the store has it now (to see it end). */
  reread: () => SessionRow | undefined | Promise<SessionRow | undefined>;
  clock: Clock;
  pollMs: number;
}

/** Follow one log into `response` (already an event stream); returns how to stop. */
export function followLog(response: ServerResponse, options: LogFollowOptions): { stop(): void } {
  const path = options.session.logPath;
  const decoder = new StringDecoder('utf8');
  let fd: number | null = null;
  let offset = 0;
  let timer: TimerHandle | null = null;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    timer?.cancel();
    if (fd !== null) closeSync(fd);
    fd = null;
  };

  const send = (text: string) => {
    if (text !== '') sendEvent(response, 'chunk', terminalSafeText(text));
  };
  const drain = (): void => {
    if (path === null) return;
    if (fd === null) {
      try {
        fd = openSync(path, 'r');
      } catch {
        return; // Not made yet: a log is made at the agent's first output.
      }
      const size = fstatSync(fd).size;
      if (size > LOG_TAIL_BYTES) {
        offset = size - LOG_TAIL_BYTES;
        sendEvent(response, 'status', { state: 'following', skippedBytes: offset });
      } else sendEvent(response, 'status', { state: 'following', skippedBytes: 0 });
    }
    let stat: Stats;
    try {
      stat = fstatSync(fd);
    } catch {
      return;
    }
    if (stat.size < offset) {
      // Rewritten from the start (a log capped and begun again): follow the new text.
      offset = 0;
      sendEvent(response, 'reset', null);
    }
    let budget = READ_MAX;
    const chunk = Buffer.alloc(64 * 1024);
    while (budget > 0 && offset < stat.size) {
      const read = readSync(fd, chunk, 0, Math.min(chunk.length, budget), offset);
      if (read <= 0) break;
      offset += read;
      budget -= read;
      send(decoder.write(chunk.subarray(0, read)));
    }
  };

  let polling = false;
  const finish = (now: SessionRow | undefined): void => {
    if (stopped || (now !== undefined && now.endedAt === null)) return;
    drain();
    send(decoder.end());
    sendEvent(response, 'end', { outcome: now?.outcome ?? null, noOutput: fd === null });
    stop();
    response.end();
  };
  const poll = (): void => {
    // A store asked over the network may answer after the next poll is due: one question at a time.
    if (stopped || polling) return;
    drain();
    const now = options.reread();
    if (!(now instanceof Promise)) return finish(now);
    polling = true;
    now.then(finish, () => {
      // The store could not be asked now: the next poll asks again.
    }).finally(() => {
      polling = false;
    });
  };

  if (path === null) {
    sendEvent(response, 'end', { outcome: options.session.outcome, noOutput: true, noLog: true });
    response.end();
    return { stop };
  }
  drain();
  if (fd === null) sendEvent(response, 'status', { state: 'waiting' });
  poll();
  if (!stopped) timer = options.clock.setInterval(poll, options.pollMs);
  return { stop };
}
