import { describe, expect, it } from 'vitest';
import { ProviderLimit, rateLimitProblems, retryDelay, MAX_RETRY_MS } from '../../src/loadtest/provider.js';

describe('ProviderLimit', () => {
  it('takes a minute of requests at once, then refills at the rate per minute', () => {
    const p = new ProviderLimit({ requestsPerMinute: 60 }, 0);
    for (let i = 0; i < 60; i++) expect(p.request(0)).toBe(true);
    expect(p.request(0)).toBe(false);
    expect(p.request(999)).toBe(false);
    expect(p.request(1000)).toBe(true);
    expect(p.request(1000)).toBe(false);
    expect(p.counts).toEqual({ requests: 64, rejected: 3, waitedMs: 0 });
  });

  it('never holds more than a minute of allowance, however long it was quiet', () => {
    const p = new ProviderLimit({ requestsPerMinute: 10 }, 0);
    let taken = 0;
    while (p.request(3_600_000)) taken++;
    expect(taken).toBe(10);
  });

  it('limits tokens as well: a request uses tokensPerRequest, and a refused one uses nothing', () => {
    const p = new ProviderLimit({ tokensPerMinute: 10_000, tokensPerRequest: 4000 }, 0);
    expect([p.request(0), p.request(0), p.request(0)]).toEqual([true, true, false]);
    // 2000 tokens left: another 2000 arrive in 12 s.
    expect(p.request(11_999)).toBe(false);
    expect(p.request(12_000)).toBe(true);
  });

  it('backs off by doubling from one second up to the cap, scaled by the jitter', () => {
    expect([1, 2, 3, 4].map((n) => retryDelay(n, 1))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelay(20, 1)).toBe(MAX_RETRY_MS);
    expect(retryDelay(1, 0.5)).toBe(500);
  });
});

describe('rateLimitProblems', () => {
  it('accepts a limit on requests, tokens or both, and nothing at all', () => {
    expect(rateLimitProblems(undefined, 'rateLimit')).toEqual([]);
    expect(rateLimitProblems({ requestsPerMinute: 200 }, 'rateLimit')).toEqual([]);
    expect(rateLimitProblems({ tokensPerMinute: 400_000, tokensPerRequest: 2000, requestEveryMs: 3000 }, 'rateLimit')).toEqual([]);
  });

  it('names each bad field, an unknown one, and a limit no request could pass', () => {
    expect(rateLimitProblems(200, 'rateLimit')).toEqual(['rateLimit: expected an object such as {"requestsPerMinute": 200}, received 200']);
    expect(rateLimitProblems({ requestEveryMs: 5000 }, 'rateLimit')).toEqual(['rateLimit: expected requestsPerMinute or tokensPerMinute (or both)']);
    expect(rateLimitProblems({ requestsPerMinute: -1, rpm: 3 }, 'rateLimit')).toEqual([
      'rateLimit.rpm: unknown field (expected one of requestsPerMinute, tokensPerMinute, requestEveryMs, tokensPerRequest)',
      'rateLimit.requestsPerMinute: expected a positive number, received -1',
    ]);
    expect(rateLimitProblems({ tokensPerMinute: 1000 }, 'rateLimit')).toEqual([
      "rateLimit.tokensPerMinute: 1000 is less than one request's 4000 tokens, so no request could ever pass",
    ]);
  });
});
