/**
 * Reading Claude Code's tool-result lines from their bytes. They are most
 * of a session's output (file contents, command output), and all the
 * parser needs from one is each result's tool_use_id and is_error: the
 * content can be skipped unread. The walk accepts only the exact shape
 * the CLI prints,
 *
 *   {"type":"user","message":{"role":"user","content":[{"tool_use_id":"…","type":"tool_result","content":…,"is_error":false}, …]},…}
 *
 * and gives up (returns null, for JSON.parse to read the line) on anything
 * else. It is safe to search for keys in raw JSON text because a quote
 * inside a string is always escaped: `"is_error":` with bare quotes can only
 * be a key, never part of a value.
 */

const PREFIX = Buffer.from('{"type":"user","message":{"role":"user","content":[');
const BLOCK_START = Buffer.from('{"tool_use_id":"');
const BLOCK_TYPE = Buffer.from('","type":"tool_result","content":');
const IS_ERROR = Buffer.from(',"is_error":');
const TOOL_USE_RESULT = Buffer.from('"tool_use_result":');
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const QUOTE = 0x22;

export interface FastToolResult {
  id: string;
  isError: boolean;
}

function startsWithAt(line: Buffer, at: number, expected: Buffer): boolean {
  return at + expected.length <= line.length && line.compare(expected, 0, expected.length, at, at + expected.length) === 0;
}

/** A tool_use_id's bytes: letters, digits, '_' and '-' only (no escapes to decode). */
function plainId(line: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = line[i]!;
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2d;
    if (!ok) return false;
  }
  return end > start;
}

/** The tool results of a user line in the CLI's exact shape, or null to leave the line to JSON.parse. */
export function fastToolResults(line: Buffer): FastToolResult[] | null {
  if (!startsWithAt(line, 0, PREFIX) || line[line.length - 1] !== CLOSE_BRACE) return null;
  const toolUseResult = line.indexOf(TOOL_USE_RESULT, PREFIX.length);
  const limit = toolUseResult === -1 ? line.length : toolUseResult;
  const results: FastToolResult[] = [];
  let at = PREFIX.length;
  for (;;) {
    if (!startsWithAt(line, at, BLOCK_START)) return null;
    const idStart = at + BLOCK_START.length;
    const idEnd = line.indexOf(QUOTE, idStart);
    if (idEnd === -1 || !plainId(line, idStart, idEnd) || !startsWithAt(line, idEnd, BLOCK_TYPE)) return null;
    const contentStart = idEnd + BLOCK_TYPE.length;
    const isErrorAt = line.indexOf(IS_ERROR, contentStart);
    if (isErrorAt === -1 || isErrorAt >= limit) return null;
    // The is_error found must be this block's: no other block may start before it.
    const nextBlock = line.indexOf(BLOCK_START, contentStart);
    if (nextBlock !== -1 && nextBlock < isErrorAt) return null;
    const valueAt = isErrorAt + IS_ERROR.length;
    let isError: boolean;
    let after: number;
    if (startsWithAt(line, valueAt, TRUE)) [isError, after] = [true, valueAt + TRUE.length];
    else if (startsWithAt(line, valueAt, FALSE)) [isError, after] = [false, valueAt + FALSE.length];
    else return null;
    if (line[after] !== CLOSE_BRACE) return null;
    results.push({ id: line.toString('latin1', idStart, idEnd), isError });
    if (line[after + 1] === CLOSE_BRACKET) return results;
    if (line[after + 1] !== COMMA) return null;
    at = after + 2;
  }
}
