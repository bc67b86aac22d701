import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { IssueInput } from '../store/types.js';

export interface ParsedIssues {
  issues: IssueInput[];
  /** Problems found, each naming the line (and field). */
  problems: string[];
}

/** Beads' default priority when none is given: P2. */
export const DEFAULT_PRIORITY = 2;

/**
 * Parse an issues file: a JSON array, or JSON Lines (one object per line).
 * Fields: id (string or number), title, body? (or beads' `description`),
 * priority? (integer ≥ 0, 0 most urgent), labels? (strings). Other fields
 * are ignored, so `bd ready --json` output can be used as it is.
 */
export function parseIssues(text: string): ParsedIssues {
  const trimmed = text.trimStart();
  const records: { where: string; value: unknown; error?: string }[] = [];
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
  const issues: IssueInput[] = [];
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

/** Read and validate an issues file. Any problem rejects the whole file unless `skipInvalid`. */
export function readIssuesFile(path: string, options: { skipInvalid?: boolean } = {}): ParsedIssues {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read issues file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const parsed = parseIssues(text);
  if (parsed.problems.length > 0 && !options.skipInvalid) {
    throw new InputError(
      `${path}: ${parsed.problems.length} invalid record(s); nothing was admitted (fix them, or pass --skip-invalid to admit the ${parsed.issues.length} valid one(s))`,
      parsed.problems,
    );
  }
  return parsed;
}

function toIssue(value: unknown): IssueInput | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `expected an object like {"id": "…", "title": "…"}, received ${describe(value)}`;
  }
  const v = value as Record<string, unknown>;
  const id = typeof v.id === 'number' && Number.isFinite(v.id) ? String(v.id) : v.id;
  if (typeof id !== 'string' || id.trim() === '') return `id: expected a non-empty string or number, received ${describe(v.id)}`;
  if (typeof v.title !== 'string' || v.title.trim() === '') return `title: expected a non-empty string, received ${describe(v.title)}`;
  const body = v.body ?? v.description ?? '';
  if (typeof body !== 'string') return `body: expected a string, received ${describe(body)}`;
  const priority = v.priority ?? DEFAULT_PRIORITY;
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0) {
    return `priority: expected an integer ≥ 0 (0 is the most urgent), received ${describe(v.priority)}`;
  }
  const labels = v.labels ?? [];
  if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string')) {
    return `labels: expected an array of strings, received ${describe(v.labels)}`;
  }
  if (id.includes('\0') || v.title.includes('\0') || body.includes('\0')) return 'id, title and body must not contain NUL characters';
  return { id, title: v.title, body, priority, labels: labels as string[] };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
