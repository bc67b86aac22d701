/**
 * Dispatch order, the one rule every store and view follows: the most
 * urgent priority first (0 before 4, the beads convention; never `|| 2`,
 * which would sort P0 like P2), then the order issues were first imported.
 * SQL stores write the same rule as `ORDER BY priority, seq`.
 */
export function dispatchOrder(a: { priority: number; seq: number }, b: { priority: number; seq: number }): number {
  return a.priority - b.priority || a.seq - b.seq;
}
