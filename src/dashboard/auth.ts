/**
 * Who may see the dashboard and who may act through it. On a loopback
 * address anyone on this machine may read it (as `harness metrics` reads
 * the state), and a request whose Host header names another address is
 * refused, so a web page elsewhere cannot reach it by rebinding a name to
 * 127.0.0.1. Actions need the token printed at start on every request, in a
 * header (never a cookie or a link, so another site's page cannot send
 * it); bound to any other address, every request needs it. Tokens are
 * compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_HEADER = 'x-harness-token';

/** 192 random bits, URL-safe. */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Whether `given` is the token, in time that does not depend on where they differ (both are hashed to one length first). */
export function tokenMatches(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/** The token a request carries: in the header, as a bearer token, or (reads only: an EventSource cannot set headers) as `?token=`. */
export function requestToken(request: IncomingMessage, url: URL, allowQuery: boolean): string | null {
  const header = request.headers[TOKEN_HEADER];
  if (typeof header === 'string') return header;
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && /^Bearer /i.test(auth)) return auth.slice(7).trim();
  return allowQuery ? url.searchParams.get('token') : null;
}

/** The Host header values a loopback server answers to. */
export function loopbackHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}
