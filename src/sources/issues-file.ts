import { InputError } from '../errors.js';
import type { IssueInput } from '../store/types.js';
import { loneSurrogateAt, MAX_NESTING, nestedDeeperThan } from '../text/checks.js';
import { readTextInput, stripBom } from '../text/input.js';
import { keepLargeIntegerIds } from './large-ids.js';
import type { BacklogIssue } from './types.js';

export interface ParsedIssues {
  issues: BacklogIssue[];
  /** Problems found, each naming the line (and field). */
  problems: string[];
}

/** Beads' default priority when none is given: P2. */
export const DEFAULT_PRIORITY = 2;

/** The shape, as messages describe it. */
const EXPECTED_SHAPE = 'one {"id": …, "title": …} object per line (JSON Lines), or a JSON array of such objects';

/** Problems listed in an error message; the rest are counted. */
const PROBLEMS_SHOWN = 20;

interface RawRecord {
  where: string;
  value: unknown;
  error?: string;
}

/**
 * Parse an issues file: a JSON array, or JSON Lines (one object per line).
 * Fields: id (string or number), title, body? (or beads' `description`),
 * priority? (integer ≥ 0, 0 most urgent), labels? (strings), blockedBy?
 * (ids; beads' `dependencies` of type `blocks` and Symphony's `blocked_by`
 * are read too), url? (the issue's page). Other fields are ignored, so
 * `bd ready --json` output can be used as it is. An integer
 * id keeps its digits as written, however many (JSON numbers lose digits
 * beyond 2^53).
 */
export function parseIssues(input: string): ParsedIssues {
  const text = keepLargeIntegerIds(stripBom(input));
  const trimmed = text.trimStart();
  const wrapped = trimmed.startsWith('{') ? wrappedListProblem(text) : null;
  if (wrapped) return { issues: [], problems: [wrapped] };
  const records: RawRecord[] = [];
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return { issues: [], problems: [`not valid JSON: ${(error as Error).message}`] };
    }
    (parsed as unknown[]).forEach((value, i) => records.push({ where: `item ${i + 1}`, value }));
  } else {
    text.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        records.push({ where: `line ${i + 1}`, value: JSON.parse(line) });
      } catch (error) {
        records.push({ where: `line ${i + 1}`, value: undefined, error: `not valid JSON (${(error as Error).message})` });
      }
    });
  }
  const issues: BacklogIssue[] = [];
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const record of records) {
    if (record.error) {
      problems.push(`${record.where}: ${record.error}`);
      continue;
    }
    const result = toIssue(record.value);
    if (typeof result === 'string') {
      problems.push(`${record.where}: ${result}`);
      continue;
    }
    const first = seen.get(result.id);
    if (first) {
      problems.push(`${record.where}: id: duplicate of ${first} (${JSON.stringify(result.id)})`);
      continue;
    }
    seen.set(result.id, record.where);
    issues.push(result);
  }
  return { issues, problems };
}

/**
 * Read and validate an issues file. Any problem rejects the whole file unless
 * `skipInvalid`; a file that is missing, a directory, binary, or holds no
 * records at all is always rejected.
 */
export function readIssuesFile(path: string, options: { skipInvalid?: boolean } = {}): ParsedIssues {
  const text = readTextInput(path, path, { what: 'issues file', fix: `pass --issues <file> with ${EXPECTED_SHAPE}` });
  const parsed = parseIssues(text);
  if (parsed.issues.length === 0 && parsed.problems.length === 0) {
    throw new InputError(`${path} holds no issues: write ${EXPECTED_SHAPE}`);
  }
  if (parsed.problems.length > 0 && !options.skipInvalid) {
    throw new InputError(
      `${path}: ${parsed.problems.length} invalid record(s); nothing was admitted (fix them, or pass --skip-invalid to admit the ${parsed.issues.length} valid one(s))`,
      firstProblems(parsed.problems),
    );
  }
  return parsed;
}

/** At most PROBLEMS_SHOWN problems, and a count of the rest: a binary or wrong file can have thousands. */
export function firstProblems(problems: readonly string[]): string[] {
  if (problems.length <= PROBLEMS_SHOWN) return [...problems];
  return [...problems.slice(0, PROBLEMS_SHOWN), `… and ${problems.length - PROBLEMS_SHOWN} more`];
}

/**
 * A file that is one JSON object holding the issues under a key
 * (`{"issues": [...]}`, as some exports write) gets a message naming the
 * key; anything else is read as JSON Lines.
 */
function wrappedListProblem(text: string): string | null {
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof whole !== 'object' || whole === null || Array.isArray(whole) || 'id' in whole) return null;
  const key = Object.entries(whole).find(([, value]) => Array.isArray(value))?.[0];
  if (key === undefined) return null;
  return (
    `expected ${EXPECTED_SHAPE}, received one object that holds a list under ${JSON.stringify(key)}: ` +
    `pass that list instead, e.g. \`jq ${JSON.stringify(`.${key}`)} file > issues.json\``
  );
}

function toIssue(value: unknown): BacklogIssue | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `expected an object like {"id": "…", "title": "…"}, received ${describe(value)}`;
  }
  if (nestedDeeperThan(value)) return `nested more than ${MAX_NESTING} levels deep; an issue is a flat object like {"id": "…", "title": "…"}`;
  const v = value as Record<string, unknown>;
  const numeric = typeof v.id === 'number' ? numericId(v.id) : null;
  if (numeric && typeof numeric !== 'string') return numeric.problem;
  const id = numeric ?? v.id;
  if (typeof id !== 'string' || id.trim() === '') return `id: expected a non-empty string or number, received ${describe(v.id)}`;
  if (typeof v.title !== 'string' || v.title.trim() === '') return `title: expected a non-empty string, received ${describe(v.title)}`;
  const body = v.body ?? v.description ?? '';
  if (typeof body !== 'string') return `body: expected a string, received ${describe(body)}`;
  const priority = v.priority ?? DEFAULT_PRIORITY;
  if (typeof priority !== 'number' || !Number.isSafeInteger(priority) || priority < 0) {
    return `priority: expected an integer ≥ 0 (0 is the most urgent), received ${describe(v.priority)}`;
  }
  const labels = v.labels ?? [];
  if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string')) {
    return `labels: expected an array of strings, received ${describe(v.labels)}`;
  }
  const blockedBy = blockersOf(v, id);
  if (typeof blockedBy === 'string') return blockedBy;
  const url = v.url ?? null;
  if (url !== null && typeof url !== 'string') return `url: expected a string, received ${describe(v.url)}`;
  const issue = { id, title: v.title, body, priority, labels: labels as string[], blockedBy, url };
  return unstorableText(issue) ?? blockerText(blockedBy) ?? issue;
}

/**
 * The ids that block an issue: `blockedBy` (ids), beads' `dependencies`
 * (those of type `blocks`: `depends_on_id` blocks the issue) and Symphony's
 * `blocked_by` (objects with an `id`, or ids). Duplicates are dropped.
 */
function blockersOf(v: Record<string, unknown>, id: string): string[] | string {
  const found: string[] = [];
  const idOf = (x: unknown): string | null => (typeof x === 'string' && x.trim() !== '' ? x : typeof x === 'number' && Number.isSafeInteger(x) ? String(x) : null);
  for (const field of ['blockedBy', 'blocked_by'] as const) {
    const list = v[field];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) return `${field}: expected an array of issue ids, received ${describe(list)}`;
    for (const [i, item] of list.entries()) {
      const blocker = idOf(typeof item === 'object' && item !== null ? (item as Record<string, unknown>).id : item);
      if (blocker === null) return `${field}.${i}: expected an issue id (a non-empty string or integer${field === 'blocked_by' ? ', or an object with one as "id"' : ''}), received ${describe(item)}`;
      found.push(blocker);
    }
  }
  const deps = v.dependencies;
  if (Array.isArray(deps)) {
    for (const dep of deps) {
      if (typeof dep !== 'object' || dep === null) continue;
      const d = dep as Record<string, unknown>;
      const blocker = idOf(d.depends_on_id);
      const of = d.issue_id === undefined ? id : idOf(d.issue_id);
      if (d.type === 'blocks' && blocker !== null && of === id) found.push(blocker);
    }
  }
  const unique = [...new Set(found)];
  if (unique.includes(id)) return `blockedBy: the issue names itself as its blocker (${JSON.stringify(id)}); remove it`;
  return unique;
}

function blockerText(blockedBy: readonly string[]): string | null {
  for (const [i, b] of blockedBy.entries()) {
    if (b.includes('\0') || loneSurrogateAt(b) !== -1) return `blockedBy.${i}: holds a character that cannot be stored (NUL or an unpaired surrogate)`;
  }
  return null;
}

/**
 * Why an issue's text cannot be stored as it is, naming the field, or null.
 * A NUL ends strings in C and in the environment; a lone UTF-16 surrogate
 * becomes U+FFFD in UTF-8, so the stored id would no longer match the one
 * given, and the run would wait for it forever.
 */
export function unstorableText(issue: Pick<IssueInput, 'id' | 'title' | 'body' | 'labels'>): string | null {
  const texts: [string, string][] = [['id', issue.id], ['title', issue.title], ['body', issue.body], ...issue.labels.map((l, i): [string, string] => [`labels.${i}`, l])];
  for (const [field, text] of texts) {
    if (text.includes('\0')) return `${field}: must not contain NUL characters`;
    const at = loneSurrogateAt(text);
    if (at !== -1) {
      const unit = `\\u${text.charCodeAt(at).toString(16)}`;
      return `${field}: holds an unpaired UTF-16 surrogate (${unit} at character ${at + 1}), which is not a character and cannot be stored; remove it or complete the pair`;
    }
  }
  return null;
}

/** A numeric id as text, or why it cannot be one. Integers written out in full were already kept as text. */
function numericId(id: number): string | { problem: string } {
  if (!Number.isFinite(id)) return { problem: 'id: the number is too large to hold; write the id as a string' };
  if (Number.isInteger(id) && !Number.isSafeInteger(id)) {
    return { problem: `id: ${String(id)} is above 2^53 and cannot be kept exactly in this form; write its digits out, or the id as a string` };
  }
  return String(id);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return 'a number too large to hold (such as 1e400)';
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    return `${String(value)}, above the largest exact integer (2^53 − 1)`;
  }
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    return Array.isArray(value) ? 'a deeply nested array' : 'a deeply nested object';
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
