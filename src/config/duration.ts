/**
 * Durations in config files, env vars and flags: plain milliseconds (`60000`)
 * or a number with a unit (`500ms`, `1.5s`, `10m`, `1h`, `1m30s`).
 */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
type Unit = keyof typeof UNIT_MS;

const PLAIN_MS = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
// `ms` must be tried before `m`, or "500ms" would read as 500 minutes and a stray "s".
const SEGMENT = /(\d+(?:\.\d*)?|\.\d+)(ms|h|m|s)/gy;

const FORMS = 'milliseconds (60000) or a number with a unit ms, s, m or h (500ms, 30s, 10m, 1h)';

/** Milliseconds in `input`, rounded to a whole millisecond. Throws on anything else. */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new Error(`invalid duration ${input}: expected ${FORMS}`);
    if (input < 0) throw new Error(`invalid duration ${input}: a duration cannot be negative`);
    return Math.round(input);
  }
  const text = input.trim();
  if (text === '') throw new Error(`invalid duration "": expected ${FORMS}`);
  if (text.startsWith('-')) {
    throw new Error(`invalid duration "${input}": a duration cannot be negative`);
  }
  if (PLAIN_MS.test(text)) return Math.round(Number(text));
  const total = sumSegments(text);
  if (total === undefined) throw new Error(`invalid duration "${input}": expected ${FORMS}`);
  return Math.round(total);
}

/** Sum of `<number><unit>` segments that cover all of `text`, or undefined. */
function sumSegments(text: string): number | undefined {
  SEGMENT.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = SEGMENT.exec(text); match; match = SEGMENT.exec(text)) {
    const [whole, amount, unit] = match;
    total += Number(amount) * UNIT_MS[unit as Unit];
    consumed += whole.length;
  }
  return consumed === text.length && consumed > 0 ? total : undefined;
}

/** A short human form of a millisecond count: `10m`, `30s`, `1m30s`, `500ms`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  let rest = Math.round(ms);
  if (rest === 0) return '0ms';
  const parts: string[] = [];
  for (const unit of ['h', 'm', 's', 'ms'] as const) {
    const amount = Math.floor(rest / UNIT_MS[unit]);
    if (amount > 0) parts.push(`${amount}${unit}`);
    rest -= amount * UNIT_MS[unit];
  }
  return parts.join('');
}
