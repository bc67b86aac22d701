/**
 * "Did you mean …?" for misspelt config keys.
 */

/** Levenshtein distance: single-character inserts, deletes and substitutions. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      const deletion = (previous[j] as number) + 1;
      const insertion = (current[j - 1] as number) + 1;
      current.push(Math.min(substitution, deletion, insertion));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The candidate closest to `key`, or undefined when none is close enough to
 * be a plausible typo. Case is ignored, so `MaxWorkers` finds `maxWorkers`;
 * a dotted candidate also matches on its last segment, so a top-level
 * `command` finds `agent.command`.
 */
export function suggestKey(key: string, candidates: readonly string[]): string | undefined {
  const wanted = key.toLowerCase();
  // A third of the key's length tolerates one slip in a short key and a few in a long one.
  const limit = Math.max(2, Math.ceil(wanted.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const lower = candidate.toLowerCase();
    const leaf = lower.slice(lower.lastIndexOf('.') + 1);
    const distance = Math.min(editDistance(wanted, lower), editDistance(wanted, leaf));
    if (distance <= limit && (best === undefined || distance < best.distance)) {
      best = { candidate, distance };
    }
  }
  return best?.candidate;
}

/** `maxWorker: unknown field; did you mean "maxWorkers"?` */
export function unknownFieldMessage(label: string, key: string, candidates: readonly string[]): string {
  const suggestion = suggestKey(key, candidates);
  if (suggestion !== undefined) return `${label}: unknown field; did you mean "${suggestion}"?`;
  return `${label}: unknown field; known fields are ${candidates.join(', ')}`;
}
