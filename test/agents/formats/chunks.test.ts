import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createParser, type AgentEvent, type AgentFormat } from '../../../src/agents/formats/index.js';
import { ofType, parseChunks, STREAMS, streamBytes } from './helpers.js';

function formatOf(name: string): AgentFormat {
  if (name.startsWith('claude')) return 'claude-stream-json';
  if (name.startsWith('codex')) return 'codex-json';
  if (name.startsWith('gemini')) return 'gemini-stream-json';
  if (name.startsWith('opencode')) return 'opencode-json';
  return 'text';
}

/** `bytes` cut at the given positions (sorted, deduplicated). */
function cut(bytes: Buffer, positions: number[]): Buffer[] {
  const points = [...new Set(positions.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

const fixtures = readdirSync(STREAMS).filter((name) => name !== 'README.md');

describe('chunk boundaries', () => {
  it('every fixture gives the same events however its bytes are split, mid-line and mid-UTF-8 included', () => {
    for (const name of fixtures) {
      const bytes = streamBytes(name);
      const format = formatOf(name);
      const whole = parseChunks(format, [bytes]);
      expect(whole.length).toBeGreaterThan(0);
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 40 }), (positions) => {
          expect(parseChunks(format, cut(bytes, positions))).toEqual(whole);
        }),
        { numRuns: 60 },
      );
      // One byte at a time: every possible boundary at once.
      expect(parseChunks(format, cut(bytes, [...bytes.keys()]))).toEqual(whole);
    }
  });

  it('string chunks split anywhere, between the halves of a surrogate pair too, read like the bytes', () => {
    const text = `${JSON.stringify({ type: 'assistant', message: { content: [{ type: 'text', text: 'emoji 🎉 and ünïcödé 漢字' }] } })}\n`;
    const whole = parseChunks('claude-stream-json', [text]);
    expect(ofType(whole, 'progress')[0]!.activity).toBe('emoji 🎉 and ünïcödé 漢字');
    fc.assert(
      fc.property(fc.array(fc.nat(text.length), { maxLength: 12 }), (positions) => {
        const points = [...new Set([0, ...positions, text.length])].sort((a, b) => a - b);
        const pieces = points.slice(1).map((end, i) => text.slice(points[i], end));
        expect(parseChunks('claude-stream-json', pieces)).toEqual(whole);
      }),
    );
  });

  it('CRLF line ends read like LF', () => {
    const bytes = streamBytes('claude-tool-use.jsonl');
    const crlf = Buffer.from(bytes.toString('utf8').replace(/\n/g, '\r\n'));
    expect(parseChunks('claude-stream-json', [crlf])).toEqual(parseChunks('claude-stream-json', [bytes]));
  });

  it('a reused input buffer does not corrupt a line held between chunks', () => {
    const line = Buffer.from(`${JSON.stringify({ type: 'assistant', message: { content: [{ type: 'text', text: 'kept intact' }] } })}\n`);
    const buffer = Buffer.alloc(16);
    const parser = createParser('claude-stream-json');
    const events: AgentEvent[] = [];
    for (let i = 0; i < line.length; i += buffer.length) {
      const n = line.copy(buffer, 0, i, i + buffer.length);
      events.push(...parser.push(buffer.subarray(0, n), 0));
      buffer.fill(0x41);
    }
    events.push(...parser.end(0));
    expect(events).toEqual([{ type: 'progress', kind: 'message', activity: 'kept intact' }]);
  });
});

describe('huge lines', () => {
  it('a 24 MB tool result line in 64 KiB chunks parses, and the lines around it too', () => {
    const big = JSON.stringify({ type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 't1', content: 'x'.repeat(24 * 1024 * 1024) }] } });
    const bytes = Buffer.from(
      [
        JSON.stringify({ type: 'assistant', message: { content: [{ type: 'tool_use', id: 't1', name: 'Read', input: { file_path: 'big.log' } }] } }),
        big,
        JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: 'read it' }),
      ].join('\n') + '\n',
    );
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 65536) chunks.push(bytes.subarray(i, i + 65536));
    const events = parseChunks('claude-stream-json', chunks);
    expect(ofType(events, 'progress').map((p) => p.activity)).toEqual(['Read: big.log', 'Read done']);
    expect(ofType(events, 'result')[0]).toMatchObject({ ok: true, text: 'read it' });
  });

  it('a line over maxLineBytes is skipped, reported as progress by its size, and the next line parses', () => {
    const long = `${'y'.repeat(5000)}\n`;
    const next = `${JSON.stringify({ type: 'result', subtype: 'success', is_error: false })}\n`;
    for (const chunks of [[long + next], [long.slice(0, 100), long.slice(100, 4000), long.slice(4000) + next], [...(long + next)]]) {
      const events = parseChunks('claude-stream-json', chunks, { maxLineBytes: 1024 });
      expect(events[0]).toEqual({ type: 'progress', kind: 'text', activity: 'output line of 5000 bytes skipped: longer than 1024 bytes' });
      expect(events.at(-1)).toMatchObject({ type: 'result', ok: true });
      expect(events).toHaveLength(2);
    }
    // Unterminated at the end of the stream, too.
    expect(parseChunks('text', ['z'.repeat(2000)], { maxLineBytes: 1024 })).toEqual([
      { type: 'progress', kind: 'text', activity: 'output line of 2000 bytes skipped: longer than 1024 bytes' },
    ]);
  });
});
