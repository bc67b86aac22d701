/**
 * Splits a command line into argv the way a POSIX shell would quote it, but
 * with no shell: no variables, globs, pipes or redirections. The agent is
 * spawned directly, so `HARNESS_AGENT_COMMAND="node agent.mjs --fast"` and
 * `["node", "agent.mjs", "--fast"]` mean the same thing.
 *
 * - whitespace separates arguments;
 * - '…' groups text literally;
 * - "…" groups text; inside, a backslash escapes only " \ $ and `;
 * - outside quotes, a backslash makes the next character literal.
 */
export function splitCommandLine(line: string): string[] {
  const args: string[] = [];
  let current = '';
  // True once the current argument has started, so that '' yields an empty argument.
  let started = false;
  let index = 0;

  const fail = (reason: string): never => {
    throw new Error(`invalid command line ${JSON.stringify(line)}: ${reason}`);
  };

  while (index < line.length) {
    const char = line[index] as string;
    if (/\s/.test(char)) {
      if (started) args.push(current);
      current = '';
      started = false;
      index += 1;
    } else if (char === "'") {
      const close = line.indexOf("'", index + 1);
      if (close === -1) fail('unterminated single quote; close it or escape it with \\');
      current += line.slice(index + 1, close);
      started = true;
      index = close + 1;
    } else if (char === '"') {
      const [text, next] = readDoubleQuoted(line, index + 1, fail);
      current += text;
      started = true;
      index = next;
    } else if (char === '\\') {
      if (index + 1 >= line.length) fail('ends with a lone backslash');
      current += line[index + 1];
      started = true;
      index += 2;
    } else {
      current += char;
      started = true;
      index += 1;
    }
  }
  if (started) args.push(current);
  return args;
}

const ESCAPABLE_IN_DOUBLE_QUOTES = new Set(['"', '\\', '$', '`']);

/** Reads up to the closing double quote; returns the text and the index after the quote. */
function readDoubleQuoted(
  line: string,
  start: number,
  fail: (reason: string) => never,
): [string, number] {
  let text = '';
  let index = start;
  while (index < line.length) {
    const char = line[index] as string;
    if (char === '"') return [text, index + 1];
    const next = line[index + 1];
    if (char === '\\' && next !== undefined && ESCAPABLE_IN_DOUBLE_QUOTES.has(next)) {
      text += next;
      index += 2;
    } else {
      text += char;
      index += 1;
    }
  }
  return fail('unterminated double quote; close it or escape it with \\');
}
