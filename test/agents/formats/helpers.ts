import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createParser, type AgentEvent, type AgentFormat, type ParserOptions } from '../../../src/agents/formats/index.js';

export const STREAMS = join(import.meta.dirname, '..', '..', 'fixtures', 'streams');

/** 2026-12-04T12:00:00Z: the "now" every fixture is parsed at. */
export const NOW = Date.UTC(2026, 11, 4, 12, 0, 0);

export function streamBytes(name: string): Buffer {
  return readFileSync(join(STREAMS, name));
}

/** Parse bytes in the given chunks (whole by default), then end. */
export function parseChunks(format: AgentFormat, chunks: readonly (Buffer | string)[], options: ParserOptions = {}, now = NOW): AgentEvent[] {
  const parser = createParser(format, options);
  const events: AgentEvent[] = [];
  for (const chunk of chunks) events.push(...parser.push(chunk, now));
  events.push(...parser.end(now));
  return events;
}

export function parseFixture(name: string, format: AgentFormat, options: ParserOptions = {}, now = NOW): AgentEvent[] {
  return parseChunks(format, [streamBytes(name)], options, now);
}

export function ofType<T extends AgentEvent['type']>(events: readonly AgentEvent[], type: T): Extract<AgentEvent, { type: T }>[] {
  return events.filter((e): e is Extract<AgentEvent, { type: T }> => e.type === type);
}
