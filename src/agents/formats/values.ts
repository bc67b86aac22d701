/**
 * Reading fields out of parsed JSON that nobody promised the shape of, and
 * shaping agent text for events. Every accessor returns null rather than
 * throw: a field of the wrong type is as good as absent.
 */
import { ACTIVITY_MAX, RESULT_TEXT_MAX, type AgentErrorKind, type TokenUsage } from './events.js';

export type Json = Record<string, unknown>;

export function obj(value: unknown): Json | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** A finite number, or a numeric string (some agents quote their numbers). */
export function num(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return null;
}

/** A non-negative whole count (tokens, turns), or null. */
export function count(value: unknown): number | null {
  const n = num(value);
  return n !== null && n >= 0 ? Math.round(n) : null;
}

const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]/g;
const SPACE = /[\s\u0000-\u001f\u007f-\u009f]+/g;

/** Cut `text` to `max` code points, ending with an ellipsis when cut; never splits a surrogate pair. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/**
 * One dashboard line from agent text: terminal escape sequences dropped,
 * every run of whitespace or control characters made one space, cut to
 * `max` (ACTIVITY_MAX) characters.
 */
export function activityText(text: string, max = ACTIVITY_MAX): string {
  // Clean only the head of a long text; take more when cleaning shrank it below `max`.
  for (let take = max * 2; ; take *= 4) {
    const whole = text.length <= take;
    const clean = (whole ? text : text.slice(0, take)).replace(ANSI, '').replace(SPACE, ' ').trim();
    if (whole || clean.length > max) return clip(clean, max);
  }
}

/** Result and error text as kept in events: at most RESULT_TEXT_MAX characters. */
export function resultText(text: string): string {
  return clip(text, RESULT_TEXT_MAX);
}

/** The error kind an HTTP status means, for APIs that report one. */
export function errorOfStatus(status: number | null): AgentErrorKind | null {
  if (status === null) return null;
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limited';
  if (status === 529 || status === 503) return 'overloaded';
  if (status === 400 || status === 404 || status === 413 || status === 422) return 'invalid_request';
  if (status >= 400) return 'api_error';
  return null;
}

/**
 * The error kind an error message means, for agents that report only text
 * (Codex, opencode, Gemini): an explicit status first, then known phrases.
 */
export function errorOfMessage(message: string): { error: AgentErrorKind | null; status: number | null } {
  const status = statusIn(message);
  if (/usage limit|out of (?:extra )?usage|exhausted your (?:daily )?quota|spend(?:ing)? (?:limit|cap)/i.test(message)) {
    return { error: 'usage_limit', status };
  }
  const byStatus = errorOfStatus(status);
  if (byStatus) return { error: byStatus, status };
  if (/unauthori[sz]ed|authenticat|invalid api key|api key|credential/i.test(message)) return { error: 'auth', status };
  if (/too many requests|rate.?limit/i.test(message)) return { error: 'rate_limited', status };
  if (/overloaded|high demand|capacity/i.test(message)) return { error: 'overloaded', status };
  if (/bad request|invalid request|context (?:length|window)|too large/i.test(message)) return { error: 'invalid_request', status };
  return { error: null, status };
}

/** An HTTP status written in an error message ("status 401", "last status: 429", "(429)", "Error: 400"). */
export function statusIn(message: string): number | null {
  const match = /\bstatus(?: code)?:?\s+([1-5]\d\d)\b|\((\d{3})\)|\b(?:error|HTTP)[: ]\s*([45]\d\d)\b/i.exec(message);
  const digits = match?.[1] ?? match?.[2] ?? match?.[3];
  return digits ? Number(digits) : null;
}

export function tokens(input: number | null, output: number | null, cacheRead: number | null, cacheWrite: number | null): TokenUsage {
  return { inputTokens: input ?? 0, outputTokens: output ?? 0, cacheReadTokens: cacheRead ?? 0, cacheWriteTokens: cacheWrite ?? 0 };
}

/** `Bash: npm test`, `Edit: src/a.ts`: the tool and the argument a reader recognises it by. */
export function toolSummary(name: string, input: Json | null): string {
  const detail = input
    ? (str(input.command) ?? str(input.file_path) ?? str(input.path) ?? str(input.pattern) ?? str(input.url) ?? str(input.query) ?? str(input.description))
    : null;
  return detail ? `${name}: ${detail}` : name;
}

/** `map[key]` when the map itself has that key (never an Object.prototype property), else null. */
export function lookup<T>(map: Readonly<Record<string, T>>, key: string | null): T | null {
  return key !== null && Object.hasOwn(map, key) ? map[key]! : null;
}
