import { describe, expect, it } from 'vitest';
import { detectUsageLimit, isKnownTimeZone, resetTimeOf } from '../../../src/agents/formats/index.js';

/** 2026-12-04T12:00Z, a Friday. Los Angeles is UTC−8, Chicago UTC−6, Warsaw UTC+1 then. */
const NOW = Date.UTC(2026, 11, 4, 12, 0);
const utc = (month: number, day: number, hour: number, minute = 0, year = 2026) => Date.UTC(year, month - 1, day, hour, minute);

describe('resetTimeOf', () => {
  const cases: [string, number | null, string?][] = [
    ['Claude AI usage limit reached|1796587200', 1796587200_000],
    ['Claude AI usage limit reached|1796587200000', 1796587200_000],
    ['Claude usage limit reached. Your limit will reset at 9am (America/Chicago)', utc(12, 4, 15)],
    ["You've hit your limit · resets 11pm (Europe/Warsaw)", utc(12, 4, 22)],
    ["You're out of extra usage · resets 5pm (America/Los_Angeles)", utc(12, 5, 1)],
    ['resets 5:30pm (America/Los_Angeles)', utc(12, 5, 1, 30)],
    // 4am in Chicago has passed (it is 6am there): the next one is tomorrow's.
    ['resets 4am (America/Chicago)', utc(12, 5, 10)],
    // 12am is midnight, 12pm noon.
    ['resets 12am (UTC)', utc(12, 5, 0)],
    ['resets 12pm (UTC)', utc(12, 4, 12)],
    ["You've hit your weekly limit · resets Dec 9, 5pm (America/Los_Angeles)", utc(12, 10, 1)],
    ['resets Jan 5, 2027, 9:15am (Europe/Warsaw)', utc(1, 5, 8, 15, 2027)],
    // A month and day already past this year mean next year's.
    ['resets Jan 5, 9am (UTC)', utc(1, 5, 9, 0, 2027)],
    ["You've hit your usage limit. Upgrade to Pro or try again in 2 days 17 hours 14 minutes.", NOW + ((2 * 24 + 17) * 60 + 14) * 60_000],
    ['try again in 1 hour', NOW + 3_600_000],
    ['try again in 45 seconds', NOW + 45_000],
    ['Your quota will reset after 2h13m5s.', NOW + (2 * 3600 + 13 * 60 + 5) * 1000],
    ['You’ve hit your usage limit. Try again at Dec 6th, 2026 8:23 PM.', utc(12, 6, 20, 23)],
    ['You’ve hit your usage limit. Try again at Dec 6th, 2026 2:23 PM.', utc(12, 6, 20, 23), 'America/Chicago'],
    ['You’ve hit your usage limit. Try again at 8:23 PM.', utc(12, 4, 20, 23)],
    ['You will regain access on 2027-01-01 at 00:00 UTC.', utc(1, 1, 0, 0, 2027)],
    ['limit lifts at 2026-12-05T08:00:00+02:00', utc(12, 5, 6)],
    // No time, or a zone the platform does not know: no reset time.
    ['Claude usage limit reached.', null],
    ['resets 5pm (Mars/Olympus_Mons)', null],
    ['resets 13pm (UTC)', null],
  ];
  it.each(cases)('%s', (text, expected, timeZone) => {
    expect(resetTimeOf(text, NOW, { timeZone })).toBe(expected);
  });

  it('a time of day read a few minutes late still means today; later than that, tomorrow', () => {
    const text = 'resets 11am (UTC)';
    expect(resetTimeOf(text, Date.UTC(2026, 11, 4, 11, 4), {})).toBe(utc(12, 4, 11));
    expect(resetTimeOf(text, Date.UTC(2026, 11, 4, 11, 6), {})).toBe(utc(12, 5, 11));
  });

  it('across a daylight-saving change the zone\'s offset on that day is used', () => {
    // 2026-03-08: Chicago goes from UTC−6 to UTC−5 at 2am.
    const before = Date.UTC(2026, 2, 8, 6, 0); // 00:00 CST
    expect(resetTimeOf('resets 1am (America/Chicago)', before)).toBe(Date.UTC(2026, 2, 8, 7, 0));
    expect(resetTimeOf('resets 9am (America/Chicago)', before)).toBe(Date.UTC(2026, 2, 8, 14, 0));
    // 2:30am does not exist that day: the same wall time after the jump.
    expect(resetTimeOf('resets 2:30am (America/Chicago)', before)).toBe(Date.UTC(2026, 2, 8, 8, 30));
  });

  it('knows the zones it can resolve', () => {
    expect(isKnownTimeZone('Europe/Warsaw')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});

describe('detectUsageLimit', () => {
  it.each([
    ['Claude AI usage limit reached|1796587200', 'usage'],
    ['Claude usage limit reached. Your limit will reset at 9am (America/Chicago)', 'usage'],
    ["You've hit your limit · resets 11pm (Europe/Warsaw)", 'usage'],
    ['You’ve hit your usage limit. Try again later.', 'usage'],
    ["You're out of extra usage · resets 5pm (America/Los_Angeles)", 'usage'],
    ['429 {"error_code":"enforced_spend_limit_reached"}', 'spend_cap'],
    ['You have reached your specified workspace API usage limits.', 'spend_cap'],
    ['Credit balance is too low to access the Anthropic API.', 'spend_cap'],
  ])('%s → %s', (text, limit) => {
    expect(detectUsageLimit(text, NOW)).toMatchObject({ type: 'usage-limit', limit, text });
  });

  it.each([
    "You've used 91% of your session limit · resets 5pm (America/Los_Angeles)",
    'Approaching usage limit · resets 5pm (America/Los_Angeles)',
    "You're now using extra usage",
    'API Error: 429 rate limited',
    'all tests pass',
  ])('not a limit: %s', (text) => {
    expect(detectUsageLimit(text, NOW)).toBeNull();
  });
});
