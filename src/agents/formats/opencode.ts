/**
 * opencode's `run --format json`: one JSON object per line, each
 * `{type, timestamp, sessionID, part?}`: `step_start`, `text` {part.text},
 * `reasoning`, `tool_use` {part.tool, part.state{status, input, title}}
 * (sent when the tool has completed or failed), `step_finish`
 * {part.reason, part.cost, part.tokens{input, output, reasoning, cache{read,
 * write}}}, and `error` {error{name, data{message, statusCode?}}}. The run
 * ends at a step_finish whose reason is not `tool-calls`. Not run here:
 * read from the CLI's source.
 */
import type { AgentErrorKind } from './events.js';
import { createJsonLinesParser, type AgentStreamParser, type JsonLineHandler, type ParserOptions } from './parser.js';
import { detectUsageLimit } from './usage-limit.js';
import { activityText, count, errorOfMessage, errorOfStatus, num, obj, resultText, str, tokens, toolSummary, lookup } from './values.js';

/** opencode's error names, where the name alone says what happened. */
const OPENCODE_ERRORS: Record<string, AgentErrorKind> = {
  ProviderAuthError: 'auth',
  MessageOutputLengthError: 'invalid_request',
  ContextOverflowError: 'invalid_request',
};

export function createOpencodeParser(options: ParserOptions = {}): AgentStreamParser {
  return createJsonLinesParser(opencodeLineHandler(), options);
}

export function opencodeLineHandler(): JsonLineHandler {
  let sessionId: string | null = null;
  return (value, context) => {
    const id = str(value.sessionID);
    if (id !== null && id !== sessionId) {
      sessionId = id;
      context.emit({ type: 'session', sessionId, model: null });
    }
    const type = str(value.type);
    const part = obj(value.part);
    switch (type) {
      case 'step_start':
        return context.emit({ type: 'progress', kind: 'step', activity: 'step started' });
      case 'text':
        return context.emit({ type: 'progress', kind: 'message', activity: activityText(str(part?.text) ?? '') || 'assistant message' });
      case 'reasoning':
        return context.emit({ type: 'progress', kind: 'reasoning', activity: activityText(str(part?.text) ?? '') || 'reasoning' });
      case 'tool_use': {
        const tool = str(part?.tool) ?? 'tool';
        const state = obj(part?.state);
        if (str(state?.status) === 'error') return context.emit({ type: 'progress', kind: 'tool_result', activity: activityText(`${tool} failed`) });
        return context.emit({ type: 'progress', kind: 'tool_use', activity: activityText(toolSummary(tool, obj(state?.input))) });
      }
      case 'step_finish': {
        const reason = str(part?.reason);
        const used = obj(part?.tokens);
        const cache = obj(used?.cache);
        // Reasoning tokens are billed as output.
        const output = (count(used?.output) ?? 0) + (count(used?.reasoning) ?? 0);
        const costUsd = num(part?.cost);
        if (used || costUsd !== null) {
          context.emit({ type: 'usage', basis: 'delta', tokens: tokens(count(used?.input), output, count(cache?.read), count(cache?.write)), costUsd });
        }
        context.emit({ type: 'progress', kind: 'step', activity: activityText(`step finished${reason ? ` (${reason})` : ''}`) });
        if (reason === 'tool-calls') return;
        const ok = reason !== 'error';
        return context.emit({
          type: 'result',
          ok,
          error: ok ? null : 'api_error',
          apiStatus: null,
          subtype: reason,
          numTurns: null,
          durationMs: null,
          costUsd: null,
          usage: null,
          text: null,
        });
      }
      case 'error': {
        const error = obj(value.error);
        const name = str(error?.name);
        const data = obj(error?.data);
        const message = str(data?.message) ?? name ?? 'error';
        const status = num(data?.statusCode);
        const limit = detectUsageLimit(message, context.now, context.options);
        if (limit) context.emit(limit);
        const byMessage = errorOfMessage(message);
        return context.emit({
          type: 'result',
          ok: false,
          error: limit ? 'usage_limit' : (lookup(OPENCODE_ERRORS, name) ?? errorOfStatus(status) ?? byMessage.error ?? 'api_error'),
          apiStatus: status ?? byMessage.status,
          subtype: name,
          numTurns: null,
          durationMs: null,
          costUsd: null,
          usage: null,
          text: resultText(message),
        });
      }
      default:
        return context.emit({ type: 'progress', kind: 'other', activity: activityText(type ?? 'event') });
    }
  };
}
