import { createHash } from 'node:crypto';

/** Longest name returned; keeps worktree paths and branch names readable. */
const MAX_LENGTH = 60;
/** 40 bits: ids that need rewriting stay distinct across backlogs far larger than any real one. */
const HASH_LENGTH = 10;
const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function shortHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, HASH_LENGTH);
}

/**
 * Start with a letter or digit (a ref component may not start with `.`, a
 * branch not with `-`) and do not end with `.` (refused by git) or `-`.
 */
function trimEdges(text: string): string {
  return text.replace(/^[._-]+/, '').replace(/[.-]+$/, '');
}

/**
 * Turn an issue id from any source into a name that is safe both as a
 * directory name and as a git branch component (`harness/<name>`).
 *
 * Ids that are already safe come back unchanged, so `PROJ-12` stays
 * `PROJ-12`. Anything else is rewritten (unsafe characters become `-`) and
 * gets a short hash of the original appended, so ids that differ only in
 * the characters that were replaced (`a/b`, `a b`) never share a worktree.
 * The result is stable: the same id always gives the same name.
 */
export function sanitizeIssueId(id: string): string {
  let cleaned = '';
  for (const ch of id) cleaned += /^[A-Za-z0-9._-]$/.test(ch) ? ch : '-';
  cleaned = cleaned.replace(/\.{2,}/g, '-').replace(/-{2,}/g, '-');
  cleaned = trimEdges(cleaned);
  while (cleaned.endsWith('.lock')) cleaned = trimEdges(cleaned.slice(0, -'.lock'.length));

  if (cleaned === id && cleaned.length <= MAX_LENGTH && SAFE.test(cleaned)) return cleaned;

  const hash = shortHash(id);
  const stem = trimEdges(cleaned.slice(0, MAX_LENGTH - HASH_LENGTH - 1));
  return stem === '' ? `issue-${hash}` : `${stem}-${hash}`;
}
