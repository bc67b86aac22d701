/**
 * Claude Code's `-p --output-format stream-json --verbose`: one JSON object
 * per line. Checked against claude 2.1.197 run against a stand-in API:
 * - `system/init` carries session_id and model; `system/api_retry` is a
 *   retry (attempt, max_retries, retry_delay_ms, error_status, error);
 * - an API error that survives the retries comes as an `assistant` line
 *   with model `<synthetic>`, an `error` field (authentication_failed,
 *   rate_limit, unknown…) and the error as its text, then a `result` with
 *   `"subtype":"success","is_error":true,"api_error_status":N` and exit 1;
 * - `result` carries total_cost_usd and usage for the whole process run;
 *   a resumed session (`--resume <id>`) kept its session_id here;
 * - with an API key (not a subscription) no rate_limit_event was seen; the
 *   CLI reads its resetsAt from a header as epoch seconds, and milliseconds
 *   are accepted too.
 */
import type { AgentErrorKind, ProgressKind } from './events.js';
import { fastToolResults } from './claude-fast.js';
import { createJsonLinesParser, type AgentStreamParser, type JsonLineHandler, type JsonLinesFormat, type LineContext, type ParserOptions } from './parser.js';
import { detectUsageLimit } from './usage-limit.js';
import { activityText, arr, count, errorOfMessage, errorOfStatus, num, obj, resultText, str, tokens, toolSummary, lookup, type Json } from './values.js';

/** Claude's `error` names (assistant lines, api_retry) in harness's vocabulary. */
const CLAUDE_ERRORS: Record<string, AgentErrorKind> = {
  authentication_failed: 'auth',
  billing_error: 'usage_limit',
  rate_limit: 'rate_limited',
  invalid_request: 'invalid_request',
  server_error: 'api_error',
  overloaded: 'overloaded',
};

/** Remembered tool names, so a tool result can say which tool it came from. Bounded. */
const MAX_TOOL_NAMES = 1000;

export function createClaudeParser(options: ParserOptions = {}): AgentStreamParser {
  return createJsonLinesParser(claudeFormat(), options);
}

/**
 * User lines at least this long (tool results: file contents, command
 * output) are read from their bytes, without decoding or JSON.parse.
 */
export const FAST_USER_LINE_BYTES = 2048;

export interface ClaudeFormatOptions {
  /** Shortest user line read by the byte-level fast path; Infinity turns it off. */
  fastUserLineBytes?: number;
}

export function claudeFormat(formatOptions: ClaudeFormatOptions = {}): JsonLinesFormat {
  const fastMin = formatOptions.fastUserLineBytes ?? FAST_USER_LINE_BYTES;
  let sessionId: string | null = null;
  let model: string | null = null;
  /** The error an assistant line reported last, for a result that only gives a status. */
  let lastError: AgentErrorKind | null = null;
  const toolNames = new Map<string, string>();

  const session = (value: Json, context: LineContext, newModel?: string | null): void => {
    const id = str(value.session_id);
    const nextModel = newModel ?? model;
    if ((id !== null && id !== sessionId) || nextModel !== model) {
      sessionId = id ?? sessionId;
      model = nextModel;
      context.emit({ type: 'session', sessionId, model });
    }
  };

  const json: JsonLineHandler = (value, context) => {
    const type = str(value.type);
    switch (type) {
      case 'system': {
        const subtype = str(value.subtype);
        if (subtype === 'init') return session(value, context, str(value.model));
        if (subtype === 'api_retry') {
          const error = str(value.error);
          const status = num(value.error_status);
          context.emit({
            type: 'retry',
            attempt: count(value.attempt),
            maxRetries: count(value.max_retries),
            delayMs: num(value.retry_delay_ms),
            status,
            error: lookup(CLAUDE_ERRORS, error) ?? errorOfStatus(status),
            message: `API ${status ?? 'error'}${error ? ` (${error})` : ''}`,
          });
          return;
        }
        return context.emit({ type: 'progress', kind: 'step', activity: activityText(subtype ?? 'system') });
      }
      case 'assistant':
        return assistant(value, context);
      case 'user':
        return user(value, context);
      case 'result':
        session(value, context);
        return result(value, context);
      case 'rate_limit_event':
        return rateLimit(value, context);
      case 'stream_event':
        return context.emit({ type: 'progress', kind: 'message', activity: 'streaming' });
      default:
        return context.emit({ type: 'progress', kind: 'other', activity: activityText(type ?? 'event') });
    }
  };

  const bytes = (line: Buffer, start: number, end: number, context: LineContext): boolean => {
    if (end - start < fastMin) return false;
    const results = fastToolResults(line.subarray(start, end));
    if (results === null) return false;
    for (const { id, isError } of results) toolResult(id, isError, context);
    return true;
  };

  return { json, bytes };

  function toolResult(id: string | null, isError: boolean, context: LineContext): void {
    const name = (id !== null && toolNames.get(id)) || 'tool';
    if (id !== null) toolNames.delete(id);
    context.emit({ type: 'progress', kind: 'tool_result', activity: activityText(isError ? `${name} failed` : `${name} done`) });
  }

  function assistant(value: Json, context: LineContext): void {
    session(value, context);
    const message = obj(value.message);
    const content = arr(message?.content);
    const error = str(value.error);
    if (error !== null || str(message?.model) === '<synthetic>') {
      // The CLI's own report of a failed request, not model output.
      lastError = lookup(CLAUDE_ERRORS, error) ?? lastError;
      const text = content.map((block) => str(obj(block)?.text) ?? '').join(' ').trim();
      context.emit({ type: 'warning', message: resultText(text || `API error (${error ?? 'unknown'})`) });
      const limit = detectUsageLimit(text, context.now, context.options);
      if (limit) context.emit(limit);
      return;
    }
    if (content.length === 0) return context.emit({ type: 'progress', kind: 'message', activity: 'assistant message' });
    for (const item of content) {
      const block = obj(item);
      if (!block) continue;
      const [kind, activity] = describeBlock(block);
      if (kind === 'tool_use') {
        const id = str(block.id);
        if (id !== null) {
          if (toolNames.size >= MAX_TOOL_NAMES) toolNames.clear();
          toolNames.set(id, str(block.name) ?? 'tool');
        }
      }
      context.emit({ type: 'progress', kind, activity });
    }
  }

  function user(value: Json, context: LineContext): void {
    const content = obj(value.message)?.content;
    for (const item of arr(content)) {
      const block = obj(item);
      if (str(block?.type) !== 'tool_result') continue;
      toolResult(str(block!.tool_use_id), block!.is_error === true, context);
    }
    // A plain user text line (a replayed prompt) is not agent work.
  }

  function result(value: Json, context: LineContext): void {
    const subtype = str(value.subtype);
    const isError = value.is_error === true || (subtype !== null && subtype !== 'success');
    const status = num(value.api_error_status);
    const text = str(value.result) ?? (arr(value.errors).map((e) => str(e) ?? '').join('; ') || null);
    const limit = text !== null && (isError || /^Claude AI usage limit reached\|/.test(text)) ? detectUsageLimit(text, context.now, context.options) : null;
    const usageJson = obj(value.usage);
    const usage = usageJson
      ? tokens(count(usageJson.input_tokens), count(usageJson.output_tokens), count(usageJson.cache_read_input_tokens), count(usageJson.cache_creation_input_tokens))
      : null;
    const costUsd = num(value.total_cost_usd);
    const error = limit ? 'usage_limit' : isError ? resultError(subtype, status, text) : null;
    if (limit) context.emit(limit);
    if (usage || costUsd !== null) context.emit({ type: 'usage', basis: 'process', tokens: usage ?? tokens(0, 0, 0, 0), costUsd });
    context.emit({
      type: 'result',
      ok: error === null,
      error,
      apiStatus: status,
      subtype,
      numTurns: count(value.num_turns),
      durationMs: num(value.duration_ms),
      costUsd,
      usage,
      text: text === null ? null : resultText(text),
    });
  }

  function resultError(subtype: string | null, status: number | null, text: string | null): AgentErrorKind {
    if (subtype === 'error_max_turns') return 'max_turns';
    if (subtype === 'error_max_budget_usd') return 'max_budget';
    return errorOfStatus(status) ?? lastError ?? (text ? errorOfMessage(text).error : null) ?? 'api_error';
  }
}

function rateLimit(value: Json, context: LineContext): void {
  const info = obj(value.rate_limit_info) ?? value;
  const status = str(info.status) ?? 'unknown';
  const resetsAt = epochMs(info.resetsAt);
  context.emit({ type: 'rate-limit', status, resetsAt, limitType: str(info.rateLimitType), utilization: num(info.utilization) });
  if (status === 'rejected') {
    context.emit({ type: 'usage-limit', limit: 'usage', resetAt: resetsAt, text: `rate limit ${str(info.rateLimitType) ?? ''} rejected`.replace('  ', ' ') });
  }
}

/** An instant given as epoch seconds, epoch ms (either as numbers or digit strings) or an ISO date. */
export function epochMs(value: unknown): number | null {
  const n = num(value);
  if (n !== null) return n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  const text = str(value);
  if (text === null) return null;
  const parsed = Date.parse(text);
  return Number.isFinite(parsed) ? parsed : null;
}

/** Progress kind and dashboard text of one content block of an assistant message. */
function describeBlock(block: Json): [ProgressKind, string] {
  switch (str(block.type)) {
    case 'text':
      return ['message', activityText(str(block.text) ?? '') || 'assistant message'];
    case 'thinking':
    case 'redacted_thinking':
      return ['reasoning', 'thinking'];
    case 'tool_use':
    case 'server_tool_use':
      return ['tool_use', activityText(toolSummary(str(block.name) ?? 'tool', obj(block.input)))];
    default:
      return ['message', activityText(str(block.type) ?? 'assistant message')];
  }
}
