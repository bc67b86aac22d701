/**
 * What a runner does with the output of an agent whose format it reads:
 * stdout is parsed into events as it arrives and reported; only progress
 * events (agent work) count as progress, so an agent stuck retrying its
 * API stalls. stderr goes to the log only; its head is kept, with
 * stdout's, to tell an agent that refused to resume a conversation.
 *
 * While a session resumes a conversation, its events are held back until
 * the agent shows its first piece of work: a resume the agent refuses at
 * once ("No conversation found") is then started over without a trace in
 * the run, and one that works is reported as if never held.
 */
import type { Clock } from '../runtime/clock.js';
import type { AgentEvent, AgentFormat } from './formats/events.js';
import type { AgentStreamParser, ParserOptions } from './formats/parser.js';
import { createParser } from './formats/parsers.js';
import { activityText } from './formats/values.js';
import type { SessionCallbacks } from './types.js';

/** At most one progress report per this many ms (the runners' PROGRESS_COALESCE_MS). */
const COALESCE_MS = 250;
/** Bytes of each stream kept to read a refused resume from. */
const HEAD_BYTES = 8 * 1024;
/** Events held back at most; past this the session is surely not refusing at once. */
const HOLD_MAX = 10_000;

/**
 * What agents print when the conversation to resume is unknown, checked
 * with claude 2.1.197 ("No conversation found with session ID: …", on
 * stderr and in its result) and codex 0.171.0 ("thread/resume failed: no
 * rollout found for thread id …", on stderr); the last two cover others.
 */
export const RESUME_REFUSED = /No conversation found with session ID|--resume requires a valid session|no rollout found for thread|thread\/resume failed|session (?:\S+ )?not found|unknown session/i;

type Sink = Pick<SessionCallbacks, 'onProgress' | 'onAgentEvents'>;

export class AgentOutput {
  private readonly parser: AgentStreamParser;
  /** Events held back while a resume may still be refused; null once released. */
  private held: AgentEvent[] | null;
  private sawWork = false;
  private ended = false;
  private lastProgressAt = Number.NEGATIVE_INFINITY;
  private stdoutHead = '';
  private deferred: AgentEvent[] = [];
  private stderrHead = '';

  constructor(
    readonly format: AgentFormat,
    private readonly sink: Sink,
    private readonly clock: Pick<Clock, 'now'>,
    options: { resuming: boolean; parser?: ParserOptions },
  ) {
    this.parser = createParser(format, options.parser);
    this.held = options.resuming ? [] : null;
  }

  /** Output as it comes. With `defer`, its events wait for flush() (a runner reporting a group of lines at once). */
  stdout(chunk: Buffer | string, defer = false): void {
    if (this.ended) return;
    if (this.held !== null && this.stdoutHead.length < HEAD_BYTES) this.stdoutHead += headOf(chunk, HEAD_BYTES - this.stdoutHead.length);
    const now = this.clock.now();
    const events = this.parser.push(chunk, now);
    if (!defer) return this.deliver(events, now);
    for (const event of events) this.deferred.push(event);
  }

  /** Report the events of deferred output. */
  flush(): void {
    if (this.deferred.length === 0) return;
    const events = this.deferred;
    this.deferred = [];
    this.deliver(events, this.clock.now());
  }

  /** A stdout line too long to be sent whole (the launcher's cap): work of some kind, reported by its size. */
  skipped(bytes: number, limit: number): void {
    if (this.ended) return;
    this.flush();
    this.deliver([{ type: 'progress', kind: 'text', activity: `output line of ${bytes} bytes skipped: longer than ${limit} bytes` }], this.clock.now());
  }

  stderr(chunk: Buffer | string): void {
    if (this.ended || this.held === null || this.stderrHead.length >= HEAD_BYTES) return;
    this.stderrHead += headOf(chunk, HEAD_BYTES - this.stderrHead.length);
  }

  /** The stream is over: parse a last line without a line break. Held events stay held (release or discard them). */
  end(): void {
    if (this.ended) return;
    this.flush();
    const now = this.clock.now();
    this.deliver(this.parser.end(now), now);
    this.ended = true;
  }

  /**
   * For a session that resumed a conversation and ended before any work:
   * the agent's words when it refused the resume, else null.
   */
  resumeRefusal(): string | null {
    if (this.held === null || this.sawWork) return null;
    for (const event of this.held) {
      if (event.type === 'result' && event.text !== null && RESUME_REFUSED.test(event.text)) return activityText(event.text, 200);
    }
    for (const head of [this.stderrHead, this.stdoutHead]) {
      const line = head.split('\n').find((l) => RESUME_REFUSED.test(l));
      if (line !== undefined) return activityText(line, 200);
    }
    return null;
  }

  /** Report what was held back, and everything from now on as it comes. */
  release(): void {
    const held = this.held;
    if (held === null) return;
    this.held = null;
    this.stdoutHead = this.stderrHead = '';
    if (held.length > 0) this.report(held, this.clock.now());
  }

  /** Forget what was held back (the attempt is being started over) and report nothing more. */
  discard(): void {
    this.held = null;
    this.deferred = [];
    this.ended = true;
  }

  private deliver(events: AgentEvent[], now: number): void {
    if (events.length === 0) return;
    if (this.held !== null) {
      this.held.push(...events);
      if (events.some((e) => e.type === 'progress')) this.sawWork = true;
      if (this.sawWork || this.held.length > HOLD_MAX) this.release();
      return;
    }
    this.report(events, now);
  }

  private report(events: AgentEvent[], now: number): void {
    this.sink.onAgentEvents?.(events, now);
    if (now - this.lastProgressAt < COALESCE_MS) return;
    if (!events.some((e) => e.type === 'progress')) return;
    this.lastProgressAt = now;
    this.sink.onProgress(now);
  }
}

function headOf(chunk: Buffer | string, room: number): string {
  return (typeof chunk === 'string' ? chunk.slice(0, room) : chunk.subarray(0, room).toString('utf8'));
}
