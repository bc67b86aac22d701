import { describe, expect, it } from 'vitest';
import { activityText, clip, errorOfMessage, lookup, statusIn } from '../../../src/agents/formats/values.js';

describe('activity text', () => {
  it('drops terminal escapes, makes whitespace and controls one space, and cuts at 120 characters', () => {
    expect(activityText('\u001b[1;31mred\u001b[0m\n\tand\u0007 \u001b]0;title\u0007bold  ')).toBe('red and bold');
    const long = activityText(`${'word '.repeat(100)}`);
    expect(long).toHaveLength(120);
    expect(long.endsWith('…')).toBe(true);
  });

  it('finds the text after a long run of blanks', () => {
    expect(activityText(`${' '.repeat(10_000)}${'\n'.repeat(5000)}the answer`)).toBe('the answer');
  });

  it('never cuts a surrogate pair in half', () => {
    const cut = clip(`${'a'.repeat(118)}🎉🎉`, 120);
    expect(cut).toBe(`${'a'.repeat(118)}…`);
    expect(clip('🎉'.repeat(100), 11)).toBe(`${'🎉'.repeat(5)}…`);
  });
});

describe('errors from messages', () => {
  it.each([
    ['unexpected status 401 Unauthorized: invalid api key', 'auth', 401],
    ['exceeded retry limit, last status: 429 Too Many Requests', 'rate_limited', 429],
    ['API Error: Request rejected (429) · slow down', 'rate_limited', 429],
    ['API Error: 400 messages: roles must alternate', 'invalid_request', 400],
    ['We’re currently experiencing high demand, which may cause temporary errors.', 'overloaded', null],
    ['stream disconnected before completion: boom', null, null],
    ['You’ve hit your usage limit. Try again later.', 'usage_limit', null],
  ])('%s', (message, error, status) => {
    expect(errorOfMessage(message)).toEqual({ error, status });
  });

  it('reads no status from other numbers', () => {
    expect(statusIn('took 400 ms over 3 files')).toBeNull();
  });

  it('looks up only a map\'s own names', () => {
    expect(lookup({ a: 1 }, 'a')).toBe(1);
    expect(lookup({ a: 1 }, 'constructor')).toBeNull();
    expect(lookup({ a: 1 }, null)).toBeNull();
  });
});
