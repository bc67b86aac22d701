/**
 * A model provider's rate limit, as a load test models it: requests per
 * minute and tokens per minute, each a token bucket that refills
 * continuously (a full minute's allowance at most, so a quiet spell allows
 * a burst) shared by every session of the fleet. A simulated agent makes
 * one request per `requestEveryMs` of its work; a request over the limit
 * is answered 429, and the agent waits and retries it, as Claude Code and
 * Codex do, reporting each retry in its event stream. Pure: time is given.
 */
export interface RateLimitSpec {
  /** Requests the provider accepts per minute, fleet-wide; none when absent. */
  requestsPerMinute?: number;
  /** Tokens (input and output) the provider accepts per minute; none when absent. */
  tokensPerMinute?: number;
  /** A session makes one request per this much of its work (ms). Default 5000. */
  requestEveryMs?: number;
  /** Tokens one request uses. Default 4000. */
  tokensPerRequest?: number;
}

export const DEFAULT_REQUEST_EVERY_MS = 5000;
export const DEFAULT_TOKENS_PER_REQUEST = 4000;
/** The agent's backoff after a 429: doubling from the first wait up to the cap, as the agents' own clients do. */
export const FIRST_RETRY_MS = 1000;
export const MAX_RETRY_MS = 32_000;

interface Bucket {
  perMinute: number;
  level: number;
  at: number;
}

export interface ProviderCounts {
  requests: number;
  /** Requests answered 429. */
  rejected: number;
  /** Time sessions spent waiting to retry (ms), summed over sessions. */
  waitedMs: number;
}

export class ProviderLimit {
  readonly requestEveryMs: number;
  readonly tokensPerRequest: number;
  readonly counts: ProviderCounts = { requests: 0, rejected: 0, waitedMs: 0 };
  private readonly buckets: Bucket[] = [];
  private readonly costs: number[] = [];

  constructor(spec: RateLimitSpec, start: number) {
    this.requestEveryMs = spec.requestEveryMs ?? DEFAULT_REQUEST_EVERY_MS;
    this.tokensPerRequest = spec.tokensPerRequest ?? DEFAULT_TOKENS_PER_REQUEST;
    if (spec.requestsPerMinute !== undefined) this.addBucket(spec.requestsPerMinute, 1, start);
    if (spec.tokensPerMinute !== undefined) this.addBucket(spec.tokensPerMinute, this.tokensPerRequest, start);
  }

  /** One request at `now`: true if the provider takes it, false for a 429 (nothing is used up). */
  request(now: number): boolean {
    this.counts.requests++;
    for (const b of this.buckets) refill(b, now);
    // Within float noise of the cost counts as enough: refills add up in fractions.
    const fits = this.buckets.every((b, i) => b.level + 1e-9 >= (this.costs[i] as number));
    if (!fits) {
      this.counts.rejected++;
      return false;
    }
    this.buckets.forEach((b, i) => (b.level = Math.max(0, b.level - (this.costs[i] as number))));
    return true;
  }

  private addBucket(perMinute: number, cost: number, start: number): void {
    this.buckets.push({ perMinute, level: perMinute, at: start });
    this.costs.push(cost);
  }
}

function refill(b: Bucket, now: number): void {
  if (now <= b.at) return;
  b.level = Math.min(b.perMinute, b.level + ((now - b.at) * b.perMinute) / 60_000);
  b.at = now;
}

/** The wait before retry `n` (1-based) of one request: doubling from FIRST_RETRY_MS, capped, scaled by `jitter` in [0.5, 1). */
export function retryDelay(n: number, jitter: number): number {
  return Math.round(Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (n - 1)) * jitter);
}

/** Problems with a rate limit as a spec gives it, one line per field. */
export function rateLimitProblems(value: unknown, label: string): string[] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [`${label}: expected an object such as {"requestsPerMinute": 200}, received ${JSON.stringify(value)}`];
  }
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  const known = ['requestsPerMinute', 'tokensPerMinute', 'requestEveryMs', 'tokensPerRequest'];
  for (const key of Object.keys(record)) if (!known.includes(key)) problems.push(`${label}.${key}: unknown field (expected one of ${known.join(', ')})`);
  for (const key of known) {
    const v = record[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) problems.push(`${label}.${key}: expected a positive number, received ${JSON.stringify(v)}`);
  }
  if (record.requestsPerMinute === undefined && record.tokensPerMinute === undefined) {
    problems.push(`${label}: expected requestsPerMinute or tokensPerMinute (or both)`);
  }
  const tokens = record.tokensPerRequest ?? DEFAULT_TOKENS_PER_REQUEST;
  if (typeof record.tokensPerMinute === 'number' && typeof tokens === 'number' && tokens > record.tokensPerMinute) {
    problems.push(`${label}.tokensPerMinute: ${record.tokensPerMinute} is less than one request's ${tokens} tokens, so no request could ever pass`);
  }
  if (typeof record.requestsPerMinute === 'number' && record.requestsPerMinute > 0 && record.requestsPerMinute < 1) {
    problems.push(`${label}.requestsPerMinute: expected at least 1, received ${record.requestsPerMinute}`);
  }
  return problems;
}
