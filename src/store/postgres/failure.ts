/**
 * Errors of the PostgreSQL store as a user reads them: one line naming the
 * store (its URL masked), what could not be done, what the server or the
 * network said, and what to do. The store's own refusals (an illegal
 * transition, an unknown session) pass through unchanged: they are the
 * same errors the other stores throw.
 */
import { HarnessError, StoreError, StoreFailure } from '../../errors.js';
import { redact } from './url.js';

/** SQLSTATEs after which the same transaction, run again, may well succeed. */
const RETRYABLE = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected

export function isRetryable(error: unknown): boolean {
  return RETRYABLE.has(sqlState(error) ?? '');
}

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * The server could not be reached, or went away: a connection exception
 * (class 08), an operator or crash shutdown (57P01–57P03), or the
 * socket's own error codes.
 */
export function isConnectionLoss(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (code.startsWith('08') || /^57P0[1-3]$/.test(code))) return true;
  if (typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'EPIPE'].includes(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection timeout|timeout expired|Client has encountered a connection error/i.test(message);
}

/**
 * What a failed `operation` on the store at `location` (masked) throws:
 * the store's own errors as they are; a lost server as a StoreFailure (the
 * run cannot record what it does); anything else the server refused as a
 * StoreError. The secret in `url` never appears in the message.
 */
export function storeErrorOf(operation: string, location: string, url: string, error: unknown): Error {
  if (error instanceof HarnessError) return error;
  const detail = redact(detailOf(error), url);
  if (isConnectionLoss(error)) {
    return new StoreFailure(
      `cannot ${operation}: PostgreSQL store ${location} cannot be reached (${detail}); check that the server is running and reachable, then run harness again`,
    );
  }
  return new StoreError(`cannot ${operation} in PostgreSQL store ${location}: ${detail}`);
}

/** What opening the store at `location` throws, with a hint for the usual causes. */
export function openErrorOf(location: string, url: string, error: unknown): Error {
  if (error instanceof HarnessError) return error;
  const detail = redact(detailOf(error), url);
  const code = sqlState(error);
  const hint =
    code === '28P01' || code === '28000'
      ? 'check the user and password in the URL'
      : code === '3D000'
        ? 'create the database first (createdb), or name one that exists'
        : code === '42501'
          ? 'grant the user CREATE on the database (for the schema) or on the schema, or have its owner open it once'
          : /SSL|TLS|certificate/i.test(detail)
            ? 'check the sslmode in the URL (or the ssl option) against what the server offers'
            : isConnectionLoss(error)
              ? 'check that the server is running and the URL (host, port, database) is right'
              : 'fix the cause, then open it again';
  return new StoreError(`cannot open PostgreSQL store ${location}: ${detail}: ${hint}`);
}

/** The error's message with its SQLSTATE, the way psql shows one. */
function detailOf(error: unknown): string {
  const message = error instanceof Error ? error.message || error.name : String(error);
  const code = sqlState(error);
  return code ? `${message} (SQLSTATE ${code})` : message;
}
