import { UsageError } from '../../errors.js';
/**
 * A PostgreSQL connection string as a user may read it: with its password
 * masked, in every message and in the store's location, since messages end
 * up in terminals, logs and CI output.
 */

const MASK = '***';

/**
 * `postgres://user:secret@host/db` → `postgres://user:***@host/db`; a
 * `password=` parameter is masked too. A string that is not a URL is
 * masked by pattern, so a malformed one never leaks what it holds.
 */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = MASK;
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', MASK);
    // URL encodes the mask's asterisks in the query; show them as typed.
    return parsed.toString().replaceAll('%2A%2A%2A', MASK);
  } catch {
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, `$1${MASK}@`).replace(/(password=)[^&\s]*/gi, `$1${MASK}`);
  }
}

/** Every form the password of `url` may take in a message (as typed, and decoded), longest first. */
function secretsOf(url: string): string[] {
  const found = new Set<string>();
  try {
    const parsed = new URL(url);
    for (const raw of [parsed.password, parsed.searchParams.get('password') ?? '']) {
      if (!raw) continue;
      found.add(raw);
      try {
        found.add(decodeURIComponent(raw));
      } catch {
        // Not percent-encoded: the raw form is all there is.
      }
    }
  } catch {
    const match = /\/\/[^:/@]*:([^@]*)@/.exec(url);
    if (match?.[1]) found.add(match[1]);
  }
  return [...found].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
}

/** `text` with the URL masked wherever it appears, and its password wherever that appears alone. */
export function redact(text: string, url: string): string {
  let out = text.split(url).join(maskUrl(url));
  for (const secret of secretsOf(url)) out = out.split(secret).join(MASK);
  return out;
}

/**
 * The connection string as pg takes it, and the schema harness keeps its
 * tables in: harness's own `schema` parameter (`…/db?schema=team_a`) is
 * taken out of the URL, default `harness`. Several states can share a
 * database this way, each in its own schema.
 */
export function storeTarget(url: string): { url: string; schema: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(
      `the store ${JSON.stringify(maskUrl(url))} is not a valid URL: write it as postgres://user:password@host:5432/database (a port is a number from 1 to 65535; percent-encode @, : and / in the password)`,
    );
  }
  const schema = parsed.searchParams.get('schema');
  if (schema === null) return { url, schema: 'harness' };
  parsed.searchParams.delete('schema');
  return { url: parsed.toString(), schema };
}
