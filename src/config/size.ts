/**
 * Sizes in config files, env vars and flags: plain bytes (`2000000000`) or a
 * number with a unit, decimal (`KB`, `MB`, `GB`, `TB`: powers of 1000) or
 * binary (`KiB`, `MiB`, `GiB`, `TiB`: powers of 1024), in any case, with or
 * without a space: `512MB`, `2 GB`, `1.5GiB`. A bare `K`/`M`/`G` is refused:
 * tools disagree on whether it means 1000 or 1024.
 */

const UNIT_BYTES: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

const SIZE = /^(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)$/i;

/** Bytes in `input`, rounded to a whole byte; throws on anything else (negative, unknown unit, not a number). */
export function parseSize(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new Error(`invalid size ${input}: expected a number of bytes ≥ 0`);
    return Math.round(input);
  }
  const match = SIZE.exec(input.trim());
  const unit = match ? UNIT_BYTES[(match[2] ?? '').toLowerCase() || 'b'] : undefined;
  if (!match || unit === undefined) throw new Error(`invalid size "${input}": expected bytes, or a number with a unit such as 512MB, 2GB or 1GiB`);
  return Math.round(Number(match[1]) * unit);
}
