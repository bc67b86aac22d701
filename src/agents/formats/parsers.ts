/** One adapter per output format: how to read it. Kept apart from the index so a runner loads only the parsers. */
import { createClaudeParser } from './claude.js';
import { createCodexParser } from './codex.js';
import type { AgentFormat } from './events.js';
import { createGeminiParser } from './gemini.js';
import { createOpencodeParser } from './opencode.js';
import type { AgentStreamParser, ParserOptions } from './parser.js';
import { createTextParser } from './text.js';

/** One output format: how to read it. */
export interface AgentAdapter {
  format: AgentFormat;
  createParser(options?: ParserOptions): AgentStreamParser;
}

export const ADAPTERS: Readonly<Record<AgentFormat, AgentAdapter>> = {
  'claude-stream-json': { format: 'claude-stream-json', createParser: createClaudeParser },
  'codex-json': { format: 'codex-json', createParser: createCodexParser },
  'gemini-stream-json': { format: 'gemini-stream-json', createParser: createGeminiParser },
  'opencode-json': { format: 'opencode-json', createParser: createOpencodeParser },
  text: { format: 'text', createParser: createTextParser },
};

/** A fresh parser for one session's output in `format`. */
export function createParser(format: AgentFormat, options?: ParserOptions): AgentStreamParser {
  return ADAPTERS[format].createParser(options);
}
