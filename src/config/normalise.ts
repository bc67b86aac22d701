/**
 * Turns zod issues into one line per problem, `label: expected …, received …`,
 * where the label is whatever the user typed: a field name in a file, an env
 * var, or a flag.
 */
import type { z } from 'zod';
import { GROUP_FIELDS, GROUP_SHORTHAND, SCALAR_FIELDS, type GroupName } from './fields.js';
import { fieldForFlagName, flagFor } from './flags.js';
import { unknownFieldMessage } from './suggest.js';
import { maskUrl } from '../store/postgres/url.js';

/** Maps a dotted field path (`''` for the whole layer) to the name the user wrote. */
export type Labeller = (path: string) => string;

type Issue = z.core.$ZodIssue;

export function describeIssues(issues: readonly Issue[], input: unknown, label: Labeller): string[] {
  const problems = issues.flatMap((issue) => describeIssue(issue, input, label));
  // A value can fail more than one check with the same message; say it once.
  return [...new Set(problems)];
}

function describeIssue(issue: Issue, input: unknown, label: Labeller): string[] {
  const path = shortFormPath(issue.path.map(String), input);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const fullPath = [...path, key].join('.');
      const field = path.length === 0 ? fieldForFlagName(key) : undefined;
      if (field) return `${label(fullPath)}: unknown field; did you mean "${field}"? (${flagFor(field)} is the flag; in a config file the field is ${field})`;
      return unknownFieldMessage(label(fullPath), fullPath, candidatesFor(path.join('.')));
    });
  }
  const received = renderFieldValue(path.join('.'), valueAt(input, path));
  return [`${label(path.join('.'))}: expected ${issue.message}, received ${received}`];
}

/**
 * A group written in its short form (`"workspace": "docker"`) was checked as
 * `{ mode: "docker" }`; report the problem where the user wrote it.
 */
function shortFormPath(path: string[], input: unknown): string[] {
  const [group, leaf, ...rest] = path;
  if (group === undefined || leaf === undefined || rest.length > 0) return path;
  if (GROUP_SHORTHAND[group as GroupName] !== leaf) return path;
  const written = valueAt(input, [group]);
  return typeof written === 'string' ? [group] : path;
}

/**
 * Known keys beside an unknown one, as full dotted paths. The top level lists
 * the groups' fields too: `command: [...]` there almost certainly belongs under `agent`.
 */
function candidatesFor(parent: string): string[] {
  const groups = GROUP_FIELDS as Record<string, readonly string[] | undefined>;
  const inGroup = groups[parent];
  if (inGroup) return [...inGroup];
  return [...SCALAR_FIELDS, ...Object.entries(GROUP_FIELDS).flatMap(([group, fields]) => [group, ...fields])];
}

function valueAt(input: unknown, path: readonly string[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const MAX_RENDERED = 60;

/** A field's received value as a problem shows it: the store's URL with its password masked. */
export function renderFieldValue(path: string, value: unknown): string {
  return renderValue(path === 'store' && typeof value === 'string' ? maskUrl(value) : value);
}

/** How a received value is shown: strings quoted, numbers bare, objects as short JSON. */
export function renderValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return String(value);
  }
  if (typeof value === 'function') return 'a function';
  let json: string;
  try {
    json = JSON.stringify(value) ?? String(value);
  } catch {
    // A config module may export a value that refers to itself.
    return Array.isArray(value) ? 'an array that cannot be shown' : 'an object that cannot be shown';
  }
  // Long values (a whole prompt, a big object) are cut; the start is enough to find them.
  return json.length > MAX_RENDERED ? `${json.slice(0, MAX_RENDERED - 1)}…` : json;
}
