/**
 * Any other agent: every non-empty output line is progress, and a line
 * that reads as a usage-limit message (`Claude AI usage limit reached|…`,
 * "resets 5pm (…)") is reported as one. The exit code decides the outcome.
 */
import { createPlainParser, type AgentStreamParser, type ParserOptions } from './parser.js';

export function createTextParser(options: ParserOptions = {}): AgentStreamParser {
  return createPlainParser(options);
}
