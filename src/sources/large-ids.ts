/**
 * Integer ids beyond 2^53. JSON.parse reads `{"id": 12345678901234567890123}`
 * as the nearest double, 1.2345678901234568e+22, so two different ids could
 * become one and neither would be what the file says. Before parsing, such
 * an id is rewritten as a string of the same digits, which is what the
 * issue's id becomes anyway (ids are text). Only values of `"id"` keys are
 * touched; strings are skipped whole, so text inside them is never changed.
 */

/** A JSON string literal; JSON strings hold no raw line break, so a broken one ends at the line. */
const STRING = /"(?:[^"\\\n]|\\.)*"/g;
/** `: <integer>` right after a key, followed by the end of the value. */
const INTEGER_VALUE = /(\s*:\s*)(-?\d+)(?=\s*(?:[,}\]]|$))/y;
/** 2^53 has 16 digits: a text without a run of 16 digits has no id to rewrite. */
const LONG_DIGITS = /\d{16}/;

export function keepLargeIntegerIds(text: string): string {
  if (!LONG_DIGITS.test(text)) return text;
  let out = '';
  let copiedUpTo = 0;
  STRING.lastIndex = 0;
  for (let match = STRING.exec(text); match; match = STRING.exec(text)) {
    if (match[0] !== '"id"') continue;
    INTEGER_VALUE.lastIndex = STRING.lastIndex;
    const value = INTEGER_VALUE.exec(text);
    if (!value || Number.isSafeInteger(Number(value[2]))) continue;
    out += `${text.slice(copiedUpTo, STRING.lastIndex)}${value[1]}"${value[2]}"`;
    copiedUpTo = INTEGER_VALUE.lastIndex;
    STRING.lastIndex = INTEGER_VALUE.lastIndex;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}
