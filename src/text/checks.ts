/**
 * Checks on parsed input (JSON, YAML, a config module's export) before it is
 * used: nesting depth, and strings that cannot be stored as they were given.
 */

/**
 * Deeper than this is refused with a message. Parsers accept any depth, but
 * the code that validates a value and quotes it back recurses, and 200,000
 * levels overflow the stack; issue records and configs are at most three
 * levels deep.
 */
export const MAX_NESTING = 100;

/**
 * Whether `value` has arrays or objects nested more than `limit` levels deep.
 * Iterative, so it cannot overflow the stack itself; an object met twice (a
 * config module may export one that refers to itself) is walked once.
 */
export function nestedDeeperThan(value: unknown, limit = MAX_NESTING): boolean {
  const seen = new Set<object>();
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object' || seen.has(item)) continue;
    if (depth + 1 > limit) return true;
    seen.add(item);
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Where `text` holds half of a UTF-16 surrogate pair on its own, or -1.
 * JSON may spell one (`"\ud800"`), but it is not a character: UTF-8 (the
 * store, the environment, file names) cannot hold it, and writing it
 * replaces it with U+FFFD, so what is read back differs from what was given.
 */
export function loneSurrogateAt(text: string): number {
  const match = LONE_SURROGATE.exec(text);
  return match ? match.index : -1;
}
