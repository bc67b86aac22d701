/**
 * Wall-clock times in a named IANA time zone, turned into epoch ms with the
 * platform's Intl data (no dependency). Pure: the current time is always a
 * parameter.
 */

/** A date and time as a clock on the wall shows it; month is 1–12. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(timeZone: string): Intl.DateTimeFormat | null {
  if (!formatters.has(timeZone)) {
    let formatter: Intl.DateTimeFormat | null = null;
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      // RangeError: not a time zone this platform knows
    }
    formatters.set(timeZone, formatter);
  }
  return formatters.get(timeZone)!;
}

/** Whether the platform knows `timeZone` (an IANA name such as America/Chicago, or UTC). */
export function isKnownTimeZone(timeZone: string): boolean {
  return formatterFor(timeZone) !== null;
}

/** What the wall clock shows in `timeZone` at `epochMs`, or null for an unknown zone. */
export function wallTimeAt(epochMs: number, timeZone: string): WallTime | null {
  const formatter = formatterFor(timeZone);
  if (!formatter) return null;
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24, minute: parts.minute! };
}

/** The zone's offset from UTC at `epochMs`, in ms (positive east of Greenwich). */
function offsetAt(epochMs: number, timeZone: string): number | null {
  const wall = wallTimeAt(epochMs, timeZone);
  if (!wall) return null;
  const seconds = new Date(epochMs).getUTCSeconds();
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, seconds);
  return asUtc - (epochMs - (epochMs % 1000));
}

/**
 * The instant at which the wall clock in `timeZone` shows `wall`. Around a
 * daylight-saving change a wall time may occur twice (the earlier is
 * taken) or not at all (the same wall time after the jump is taken, e.g.
 * 2:30 becomes 3:30).
 */
export function epochOfWallTime(wall: WallTime, timeZone: string): number | null {
  const naive = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const first = offsetAt(naive, timeZone);
  if (first === null) return null;
  let epoch = naive - first;
  const second = offsetAt(epoch, timeZone)!;
  if (second !== first) {
    const retry = naive - second;
    epoch = offsetAt(retry, timeZone) === second ? Math.min(epoch, retry) : Math.max(epoch, retry);
  }
  return epoch;
}

/** The calendar day after (or `days` after) a wall date, across month and year ends. */
export function addDays(wall: WallTime, days: number): WallTime {
  const date = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + days));
  return { ...wall, year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}
