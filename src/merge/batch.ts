/**
 * Batching: up to batchSize queued branches are stacked one on another and
 * verified once, at the top. A red top means some branch broke the build;
 * bisection finds the first stack level that fails, on the assumption that
 * once broken the stack stays broken. Everything below that level is known
 * green and lands; the culprit is rejected; the branches above it go back
 * to the head of the queue, to be stacked again on the new target.
 */

/**
 * The first failing level of a stack of `size` levels (1-based), given that
 * level `size` failed and level 0 (the target itself) is taken as green.
 * `isGreen(level)` is called only for levels 1 … size−1, at most
 * ⌈log2(size)⌉ times. Returns the culprit's level; every level below it was
 * either tested green or lies below one that was.
 */
export async function findFirstRed(size: number, isGreen: (level: number) => Promise<boolean>): Promise<number> {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`a stack has at least one level, received ${size}`);
  // Invariant: level lo−1 is green (or is the target), level hi is red.
  let lo = 1;
  let hi = size;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (await isGreen(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How a red batch splits once its culprit is known. */
export function splitAtCulprit<T>(stack: readonly T[], culpritLevel: number): { land: T[]; culprit: T; retry: T[] } {
  const culprit = stack[culpritLevel - 1];
  if (culprit === undefined) throw new RangeError(`culprit level ${culpritLevel} is outside a stack of ${stack.length}`);
  return { land: stack.slice(0, culpritLevel - 1), culprit, retry: stack.slice(culpritLevel) };
}
