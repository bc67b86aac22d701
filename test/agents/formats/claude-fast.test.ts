import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { claudeFormat } from '../../../src/agents/formats/claude.js';
import { fastToolResults } from '../../../src/agents/formats/claude-fast.js';
import { createJsonLinesParser } from '../../../src/agents/formats/parser.js';
import type { AgentEvent } from '../../../src/agents/formats/index.js';
import { STREAMS, streamBytes } from './helpers.js';

function parse(text: string | Buffer, fastUserLineBytes: number): AgentEvent[] {
  const parser = createJsonLinesParser(claudeFormat({ fastUserLineBytes }), {});
  return [...parser.push(text, 0), ...parser.end(0)];
}

/** A user line exactly as the CLI prints it, key order included. */
function userLine(blocks: { id: string; content: unknown; isError: boolean }[], toolUseResult: unknown): string {
  return JSON.stringify({
    type: 'user',
    message: { role: 'user', content: blocks.map((b) => ({ tool_use_id: b.id, type: 'tool_result', content: b.content, is_error: b.isError })) },
    parent_tool_use_id: null,
    session_id: 's',
    uuid: 'u',
    ...(toolUseResult === undefined ? {} : { tool_use_result: toolUseResult }),
  });
}

describe('the byte-level reading of tool results', () => {
  it('reads the lines the real CLI printed', () => {
    const line = streamBytes('claude-tool-use.jsonl').toString('utf8').split('\n').find((l) => l.startsWith('{"type":"user"'))!;
    expect(fastToolResults(Buffer.from(line))).toEqual([{ id: expect.stringMatching(/^toolu_/), isError: false }]);
  });

  it('gives every fixture the events JSON.parse gives it', () => {
    for (const name of readdirSync(STREAMS).filter((n) => n.startsWith('claude'))) {
      expect(parse(streamBytes(name), 0), name).toEqual(parse(streamBytes(name), Infinity));
    }
  });

  it('agrees with JSON.parse on any content, also content that spells the keys it looks for', () => {
    const tricky = fc.constantFrom('","is_error":true}', '{"tool_use_id":"x', '"tool_use_result":', '\\', '"', '},{', ']}', '\n', '\u2028', '🎉');
    const unit = fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), tricky);
    const content = fc.oneof(fc.string({ unit }), fc.array(fc.record({ type: fc.constant('text'), text: fc.string({ unit }) }), { maxLength: 3 }));
    const block = fc.record({ id: fc.stringMatching(/^toolu_[A-Za-z0-9_-]{1,12}$/), content, isError: fc.boolean() });
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 3 }), fc.option(fc.jsonValue(), { nil: undefined }), (blocks, toolUseResult) => {
        const named = blocks.map((b) => JSON.stringify({ type: 'assistant', message: { content: [{ type: 'tool_use', id: b.id, name: 'Bash', input: {} }] } }));
        const line = userLine(blocks, toolUseResult);
        const stream = `${[...named, line].join('\n')}\n`;
        expect(fastToolResults(Buffer.from(line))).not.toBeNull();
        expect(parse(stream, 0)).toEqual(parse(stream, Infinity));
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['another key order', '{"type":"user","message":{"content":[{"tool_use_id":"a","type":"tool_result","content":"x","is_error":false}],"role":"user"}}'],
    ['spaces after colons', '{"type":"user","message":{"role":"user","content":[{"tool_use_id": "a","type":"tool_result","content":"x","is_error":false}]}}'],
    ['an escaped id', '{"type":"user","message":{"role":"user","content":[{"tool_use_id":"a\\u0041","type":"tool_result","content":"x","is_error":false}]}}'],
    ['no is_error', '{"type":"user","message":{"role":"user","content":[{"tool_use_id":"a","type":"tool_result","content":"x"}]},"tool_use_result":{"is_error":true}}'],
    ['a block of another type first', '{"type":"user","message":{"role":"user","content":[{"type":"text","text":"hi"}]}}'],
    ['is_error not a boolean', '{"type":"user","message":{"role":"user","content":[{"tool_use_id":"a","type":"tool_result","content":"x","is_error":1}]}}'],
    ['more keys after is_error', '{"type":"user","message":{"role":"user","content":[{"tool_use_id":"a","type":"tool_result","content":"x","is_error":false,"extra":1}]}}'],
    ['a cut-off line', '{"type":"user","message":{"role":"user","content":[{"tool_use_id":"a","type":"tool_result","content":"x'],
  ])('leaves %s to JSON.parse', (_name, line) => {
    expect(fastToolResults(Buffer.from(line))).toBeNull();
    expect(parse(`${line}\n`, 0)).toEqual(parse(`${line}\n`, Infinity));
  });
});
