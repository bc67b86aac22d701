/** Helpers for arrays kept sorted by time, as the in-memory store's logs are. */

/** First index whose item satisfies `atOrAfter` (which must be false, then true, along `items`). */
export function lowerBound<T>(items: readonly T[], atOrAfter: (item: T) => boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (atOrAfter(items[mid] as T)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Insert keeping `items` sorted by `before`, after any equals; appending in order (the usual case) is O(1). */
export function insertSorted<T>(items: T[], item: T, before: (a: T, b: T) => boolean): void {
  const last = items.at(-1);
  if (last === undefined || !before(item, last)) {
    items.push(item);
    return;
  }
  items.splice(lowerBound(items, (other) => before(item, other)), 0, item);
}

/** The items with `at` ≥ since (all when since is undefined), from an array sorted by `at`. */
export function sinceAt<T extends { at: number }>(items: readonly T[], since: number | undefined): readonly T[] {
  return since === undefined ? items : items.slice(lowerBound(items, (r) => r.at >= since));
}
