/**
 * Gemini CLI's `-p … --output-format stream-json`: JSONL events `init`
 * {session_id, model}, `message` {role, content, delta?}, `tool_use`
 * {tool_name, tool_id, parameters}, `tool_result` {tool_id, status,
 * output?, error?}, `error` {severity: warning|error, message}, and a final
 * `result` {status: success|error, error?{type, message}, stats?{input_tokens
 * (cached included), cached, input, output_tokens, duration_ms, tool_calls}}.
 * Exit codes: 0 success, 1 error, 41 authentication, 42 input error, 53
 * turn limit. Not run here: read from the CLI's published types.
 */
import type { AgentErrorKind } from './events.js';
import { createJsonLinesParser, type AgentStreamParser, type JsonLineHandler, type ParserOptions } from './parser.js';
import { detectUsageLimit } from './usage-limit.js';
import { activityText, count, errorOfMessage, num, obj, resultText, str, tokens, toolSummary } from './values.js';

/** Gemini's error type names (its Fatal…Error classes), by the word that gives them away. */
function errorOfType(type: string | null): AgentErrorKind | null {
  if (!type) return null;
  if (/TurnLimit/i.test(type)) return 'max_turns';
  if (/Auth/i.test(type)) return 'auth';
  if (/Quota/i.test(type)) return 'usage_limit';
  if (/Input|Config/i.test(type)) return 'invalid_request';
  return null;
}

export function createGeminiParser(options: ParserOptions = {}): AgentStreamParser {
  return createJsonLinesParser(geminiLineHandler(), options);
}

export function geminiLineHandler(): JsonLineHandler {
  const toolNames = new Map<string, string>();
  return (value, context) => {
    const type = str(value.type);
    switch (type) {
      case 'init':
        return context.emit({ type: 'session', sessionId: str(value.session_id), model: str(value.model) });
      case 'message':
        // The user's message is the prompt echoed back, not work.
        if (str(value.role) === 'user') return;
        return context.emit({ type: 'progress', kind: 'message', activity: activityText(str(value.content) ?? '') || 'assistant message' });
      case 'tool_use': {
        const name = str(value.tool_name) ?? 'tool';
        const id = str(value.tool_id);
        if (id !== null) {
          if (toolNames.size >= 1000) toolNames.clear();
          toolNames.set(id, name);
        }
        return context.emit({ type: 'progress', kind: 'tool_use', activity: activityText(toolSummary(name, obj(value.parameters))) });
      }
      case 'tool_result': {
        const id = str(value.tool_id);
        const name = (id !== null && toolNames.get(id)) || 'tool';
        if (id !== null) toolNames.delete(id);
        return context.emit({ type: 'progress', kind: 'tool_result', activity: activityText(str(value.status) === 'error' ? `${name} failed` : `${name} done`) });
      }
      case 'error': {
        const message = str(value.message) ?? 'error';
        context.emit({ type: 'warning', message: resultText(message) });
        const limit = detectUsageLimit(message, context.now, context.options);
        if (limit) context.emit(limit);
        return;
      }
      case 'result': {
        const ok = str(value.status) === 'success';
        const failure = obj(value.error);
        const message = str(failure?.message);
        const limit = message === null ? null : detectUsageLimit(message, context.now, context.options);
        if (limit) context.emit(limit);
        const stats = obj(value.stats);
        const cached = count(stats?.cached) ?? 0;
        const input = count(stats?.input) ?? Math.max(0, (count(stats?.input_tokens) ?? 0) - cached);
        const usage = stats ? tokens(input, count(stats.output_tokens), cached, 0) : null;
        if (usage) context.emit({ type: 'usage', basis: 'process', tokens: usage, costUsd: null });
        const byMessage = message === null ? { error: null, status: null } : errorOfMessage(message);
        const error = ok ? null : limit ? 'usage_limit' : (errorOfType(str(failure?.type)) ?? byMessage.error ?? 'api_error');
        return context.emit({
          type: 'result',
          ok,
          error,
          apiStatus: byMessage.status,
          subtype: str(failure?.type) ?? str(value.status),
          numTurns: null,
          durationMs: num(stats?.duration_ms),
          costUsd: null,
          usage,
          text: message === null ? null : resultText(message),
        });
      }
      default:
        return context.emit({ type: 'progress', kind: 'other', activity: activityText(type ?? 'event') });
    }
  };
}

/** What Gemini CLI's exit codes mean when no result event says more. */
export const GEMINI_EXIT_ERRORS: Readonly<Record<number, AgentErrorKind>> = { 41: 'auth', 42: 'invalid_request', 53: 'max_turns' };
