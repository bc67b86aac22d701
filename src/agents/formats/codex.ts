/**
 * Codex's `exec --json`: JSONL events. Checked against codex 0.171.0 run
 * against a stand-in Responses API:
 * - `thread.started{thread_id}`, `turn.started`, then items, then
 *   `turn.completed{usage}` or `turn.failed{error{message}}`; the thread id
 *   stays the same on `exec resume <id>`, and turn.completed's usage is
 *   the thread's running total (a resumed thread's second turn reported
 *   twice the first one's tokens), with `cached_input_tokens` included in
 *   `input_tokens` and an extra `cache_write_input_tokens`;
 * - an `item.completed` of type `error` is a warning (with an unknown model
 *   it reports "Model metadata … not found" on every run);
 * - a failing request prints `{"type":"error","message":"Reconnecting... n/m (…)"}`
 *   per retry, then an `error` line and `turn.failed` with the same message,
 *   then exit 1: "unexpected status 401 Unauthorized: …", "exceeded retry
 *   limit, last status: 429 Too Many Requests", "We’re currently
 *   experiencing high demand, …" (a 500), "stream disconnected before
 *   completion: …";
 * - a usage limit reads "You’ve hit your usage limit. … Try again at Dec 6th,
 *   2026 8:23 PM." (typographic apostrophe; the time in the machine's local
 *   zone, or only "8:23 PM" on the same day); older versions wrote "try
 *   again in 2 days 17 hours 14 minutes".
 */
import type { AgentEvent } from './events.js';
import { createJsonLinesParser, type AgentStreamParser, type JsonLineHandler, type LineContext, type ParserOptions } from './parser.js';
import { detectUsageLimit } from './usage-limit.js';
import { activityText, arr, count, errorOfMessage, obj, resultText, str, tokens, type Json } from './values.js';

const RECONNECTING = /^Reconnecting\.{0,3}\s*(\d+)\s*\/\s*(\d+)\s*(?:\((.*)\))?/s;

export function createCodexParser(options: ParserOptions = {}): AgentStreamParser {
  return createJsonLinesParser(codexLineHandler(), options);
}

export function codexLineHandler(): JsonLineHandler {
  return (value, context) => {
    const type = str(value.type);
    switch (type) {
      case 'thread.started':
        return context.emit({ type: 'session', sessionId: str(value.thread_id), model: null });
      case 'turn.started':
        return context.emit({ type: 'progress', kind: 'step', activity: 'turn started' });
      case 'turn.completed': {
        const usage = obj(value.usage);
        if (usage) {
          const cached = count(usage.cached_input_tokens) ?? 0;
          const input = Math.max(0, (count(usage.input_tokens) ?? 0) - cached);
          context.emit({
            type: 'usage',
            basis: 'thread',
            tokens: tokens(input, count(usage.output_tokens), cached, count(usage.cache_write_input_tokens)),
            costUsd: null,
          });
        }
        return context.emit(result(true, null, context));
      }
      case 'turn.failed': {
        const message = str(obj(value.error)?.message) ?? 'turn failed';
        const limit = detectUsageLimit(message, context.now, context.options);
        if (limit) context.emit(limit);
        return context.emit(result(false, message, context, limit !== null));
      }
      case 'error':
        return errorLine(str(value.message) ?? '', context);
      case 'item.started':
      case 'item.updated':
      case 'item.completed':
        return item(type, obj(value.item), context);
      default:
        return context.emit({ type: 'progress', kind: 'other', activity: activityText(type ?? 'event') });
    }
  };
}

function result(ok: boolean, message: string | null, context: LineContext, usageLimit = false): AgentEvent {
  const { error, status } = message === null ? { error: null, status: null } : errorOfMessage(message);
  return {
    type: 'result',
    ok,
    error: ok ? null : usageLimit ? 'usage_limit' : (error ?? 'api_error'),
    apiStatus: status,
    subtype: ok ? 'turn.completed' : 'turn.failed',
    numTurns: null,
    durationMs: null,
    costUsd: null,
    usage: null,
    text: message === null ? null : resultText(message),
  };
}

function errorLine(message: string, context: LineContext): void {
  const retry = RECONNECTING.exec(message);
  if (retry) {
    const reason = retry[3] ?? '';
    const { error, status } = errorOfMessage(reason);
    context.emit({ type: 'retry', attempt: Number(retry[1]), maxRetries: Number(retry[2]), delayMs: null, status, error, message: resultText(reason || message) });
    return;
  }
  // The error behind a turn.failed that follows, or one Codex went on from.
  context.emit({ type: 'warning', message: resultText(message) });
  const limit = detectUsageLimit(message, context.now, context.options);
  if (limit) context.emit(limit);
}

function item(event: string, item: Json | null, context: LineContext): void {
  if (!item) return context.emit({ type: 'progress', kind: 'item', activity: event });
  const done = event === 'item.completed';
  switch (str(item.type)) {
    case 'agent_message':
      return context.emit({ type: 'progress', kind: 'message', activity: activityText(str(item.text) ?? '') || 'agent message' });
    case 'reasoning':
      return context.emit({ type: 'progress', kind: 'reasoning', activity: activityText(str(item.text) ?? '') || 'reasoning' });
    case 'command_execution': {
      const command = activityText(str(item.command) ?? 'command');
      if (!done) return context.emit({ type: 'progress', kind: event === 'item.started' ? 'tool_use' : 'item', activity: `$ ${command}` });
      const exit = count(item.exit_code);
      return context.emit({ type: 'progress', kind: 'tool_result', activity: activityText(`$ ${command}${exit === null ? '' : ` (exit ${exit})`}`) });
    }
    case 'file_change': {
      const paths = arr(item.changes).map((change) => str(obj(change)?.path) ?? '?');
      return context.emit({ type: 'progress', kind: done ? 'tool_result' : 'tool_use', activity: activityText(`edit ${paths.join(', ')}`) });
    }
    case 'mcp_tool_call':
      return context.emit({ type: 'progress', kind: done ? 'tool_result' : 'tool_use', activity: activityText(`${str(item.server) ?? 'mcp'}.${str(item.tool) ?? 'tool'}`) });
    case 'web_search':
      return context.emit({ type: 'progress', kind: done ? 'tool_result' : 'tool_use', activity: activityText(`search: ${str(item.query) ?? ''}`) });
    case 'todo_list':
      return context.emit({ type: 'progress', kind: 'item', activity: `todo list (${arr(item.items).length} items)` });
    case 'error':
      // Only a warning: "Model metadata … not found" and the like.
      return context.emit({ type: 'warning', message: resultText(str(item.message) ?? 'error item') });
    default:
      return context.emit({ type: 'progress', kind: 'item', activity: activityText(str(item.type) ?? 'item') });
  }
}
