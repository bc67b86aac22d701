/**
 * Usage-limit and spend-cap messages, and the reset time they carry. The
 * texts agents print (in a result, an error event, or as plain output):
 * - `Claude AI usage limit reached|1767225600` (epoch seconds);
 * - `Claude usage limit reached. Your limit will reset at 9am (America/Chicago)`;
 * - `You've hit your limit · resets 11pm (Europe/Warsaw)`, `… · resets Dec 9, 5:30pm (…)`;
 * - `You're out of extra usage · resets 5pm (America/Los_Angeles)`;
 * - Codex: `You've hit your usage limit… try again in 2 days 17 hours 14 minutes`,
 *   or `… Try again at Dec 6th, 2026 8:23 PM.` (in the agent's local time zone);
 * - a spend cap: `enforced_spend_limit_reached`, the API's `You have reached
 *   your specified API usage limits. You will regain access on 2026-01-01 at
 *   00:00 UTC.`, or `Credit balance is too low`.
 */
import type { UsageLimitEvent, UsageLimitKind } from './events.js';
import { resultText } from './values.js';
import { addDays, epochOfWallTime, wallTimeAt, type WallTime } from './zoned-time.js';

export interface ResetTimeOptions {
  /**
   * The agent's own time zone, for times printed without one (Codex prints
   * its machine's local time). Default UTC.
   */
  timeZone?: string;
}

const SPEND_CAP = /enforced_spend_limit_reached|reached your specified (?:workspace )?API usage limits?|credit balance is too low/i;
const USAGE_LIMIT =
  /usage limit reached|hit your (?:usage |session |weekly )?limit|out of (?:extra )?usage|limit will reset at|exhausted your (?:daily )?quota|quota (?:will )?resets? (?:after|in)/i;

/**
 * The usage limit or spend cap that `text` reports, with its reset time
 * when the text gives one; null when it reports neither. `now` (epoch ms)
 * resolves times given without a date.
 */
export function detectUsageLimit(text: string, now: number, options: ResetTimeOptions = {}): UsageLimitEvent | null {
  let limit: UsageLimitKind;
  if (SPEND_CAP.test(text)) limit = 'spend_cap';
  else if (USAGE_LIMIT.test(text)) limit = 'usage';
  else return null;
  return { type: 'usage-limit', limit, resetAt: resetTimeOf(text, now, options), text: resultText(text) };
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\\.?';

/** `usage limit reached|<epoch>`: seconds, or milliseconds when that large. */
const EPOCH_FORM = /usage limit reached\s*\|\s*(\d{9,13})\b/i;
/** `resets 5pm (Zone)`, `reset at 9:30am (Zone)`, `resets Dec 9, 5pm (Zone)`, `resets Jan 5, 2027, 5pm (Zone)`. */
const ZONED_FORM = new RegExp(
  `\\breset(?:s)?(?:\\s+at)?\\s+(?:${MONTH}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(?:(\\d{4}),?\\s+)?(?:at\\s+)?)?` +
    '(\\d{1,2})(?::(\\d{2}))?\\s*([ap])\\.?m\\.?\\s*\\(([A-Za-z][A-Za-z0-9_+\\-/]*)\\)',
  'i',
);
/** `regain access on 2026-01-01 at 00:00 UTC`, or any ISO-like date and time after "on"/"at"/"until". */
const ISO_FORM = /\b(?:on|at|until|after)\s+(\d{4})-(\d{2})-(\d{2})(?:T|\s+at\s+|\s+)(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?/i;
/** `try again in 2 days 17 hours 14 minutes`, `resets in 3h 5m`, `reset after 2h13m5s`. */
const RELATIVE_FORM = /\b(?:try again in|resets? (?:in|after))\s+((?:\d+\s*(?:days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)(?![a-z])[\s,]*(?:and\s+)?)+)/i;
/** Codex, in its own local time: `try again at 8:23 PM`, `try again at Dec 6th, 2026 8:23 PM`. */
const LOCAL_FORM = new RegExp(`\\btry again at\\s+(?:${MONTH}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\s+)?(\\d{1,2}):(\\d{2})\\s*([ap])\\.?m\\b`, 'i');

/** How long a time of day may lie in the past and still mean today's (the message was read a little late). */
const PAST_GRACE_MS = 5 * 60_000;

/**
 * When the limit that `text` reports lifts, as epoch ms, or null when the
 * text says no time or names a time zone this platform does not know.
 * A time of day without a date is its next occurrence after `now` (less a
 * few minutes' grace); a month and day without a year is the next one.
 */
export function resetTimeOf(text: string, now: number, options: ResetTimeOptions = {}): number | null {
  const epoch = EPOCH_FORM.exec(text);
  if (epoch) {
    const value = Number(epoch[1]);
    return value < 1e11 ? value * 1000 : value;
  }
  const zoned = ZONED_FORM.exec(text);
  if (zoned) {
    const [, month, day, year, hour, minute, half, zone] = zoned;
    return resolveWallTime({ month, day, year, hour: hour!, minute, half }, zone!, now);
  }
  const iso = ISO_FORM.exec(text);
  if (iso) {
    const [, year, month, day, hour, minute, offset] = iso;
    const naive = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute));
    if (!offset) return epochOfWallTime(wallOf(naive), options.timeZone ?? 'UTC');
    return naive - offsetMs(offset);
  }
  const relative = RELATIVE_FORM.exec(text);
  if (relative) return now + durationMs(relative[1]!);
  const local = LOCAL_FORM.exec(text);
  if (local) {
    const [, month, day, year, hour, minute, half] = local;
    return resolveWallTime({ month, day, year, hour: hour!, minute, half }, options.timeZone ?? 'UTC', now);
  }
  return null;
}

interface WrittenTime {
  month: string | undefined;
  day: string | undefined;
  year: string | undefined;
  hour: string;
  minute: string | undefined;
  half: string | undefined;
}

function resolveWallTime(written: WrittenTime, timeZone: string, now: number): number | null {
  const today = wallTimeAt(now, timeZone);
  if (!today) return null;
  // Both forms use a 12-hour clock: 1–12, am or pm.
  const twelve = Number(written.hour);
  const minute = written.minute ? Number(written.minute) : 0;
  if (twelve < 1 || twelve > 12 || minute > 59) return null;
  const hour = (twelve % 12) + (written.half?.toLowerCase() === 'p' ? 12 : 0);
  if (written.month === undefined) {
    let wall: WallTime = { ...today, hour, minute };
    let epoch = epochOfWallTime(wall, timeZone);
    if (epoch !== null && epoch < now - PAST_GRACE_MS) {
      wall = addDays(wall, 1);
      epoch = epochOfWallTime(wall, timeZone);
    }
    return epoch;
  }
  const month = MONTHS.indexOf(written.month.slice(0, 3).toLowerCase()) + 1;
  const day = Number(written.day);
  if (month === 0 || day < 1 || day > 31) return null;
  const year = written.year ? Number(written.year) : today.year;
  let epoch = epochOfWallTime({ year, month, day, hour, minute }, timeZone);
  if (!written.year && epoch !== null && epoch < now - 24 * 3_600_000) {
    epoch = epochOfWallTime({ year: year + 1, month, day, hour, minute }, timeZone);
  }
  return epoch;
}

function wallOf(naiveUtc: number): WallTime {
  const date = new Date(naiveUtc);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour: date.getUTCHours(), minute: date.getUTCMinutes() };
}

function offsetMs(offset: string): number {
  if (/^(?:z|utc|gmt)$/i.test(offset)) return 0;
  const match = /^([+-])(\d{2}):?(\d{2})$/.exec(offset)!;
  const ms = (Number(match[2]) * 60 + Number(match[3])) * 60_000;
  return match[1] === '-' ? -ms : ms;
}

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };

function durationMs(text: string): number {
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)\s*([a-z]+)/gi)) {
    const key = unit!.toLowerCase();
    const letter = key.startsWith('min') ? 'm' : key.startsWith('h') ? 'h' : key[0]!;
    total += Number(amount) * (UNIT_MS[letter] ?? 0);
  }
  return total;
}
