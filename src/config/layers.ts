/**
 * A config file's layer, validated by its schema (zod) and flattened to
 * field paths, so that merging and source-tracking work as for every other
 * layer (values.ts).
 */
import { FIELD_CHECKS } from './checks.js';
import { FIELD_PATHS, GROUP_SHORTHAND, type FieldPath, type GroupName } from './fields.js';
import { describeIssues, type Labeller } from './normalise.js';
import { configFileSchema, type ConfigLayer } from './schema.js';
import type { FieldValues, ParsedLayer } from './values.js';

export { coerceText, mergeLayers, nestFields, type FieldValues, type MergedConfig, type ParsedLayer, type SourcedLayer } from './values.js';

/**
 * Validates a layer's raw input. Every problem is reported, and the fields
 * that are valid are still returned, so that cross-field rules can compare
 * the rest against what would otherwise be in effect.
 */
export function parseLayer(raw: unknown, label: Labeller): ParsedLayer {
  const result = configFileSchema.safeParse(raw);
  if (result.success) return { values: flattenLayer(result.data), problems: [] };
  return {
    values: validFieldsOf(raw),
    problems: describeIssues(result.error.issues, raw, label),
  };
}

function validFieldsOf(raw: unknown): FieldValues {
  const values: Record<string, unknown> = {};
  for (const path of FIELD_PATHS) {
    const value = valueAtPath(raw, path);
    if (value === undefined) continue;
    const result = FIELD_CHECKS[path](value);
    if (result.ok) values[path] = result.value;
  }
  return values as FieldValues;
}

function flattenLayer(layer: ConfigLayer): FieldValues {
  const { agent, workspace, merge, tracker, hooks, host, fleet, ...scalars } = layer;
  const values: FieldValues = { ...scalars };
  const groups: Record<GroupName, Record<string, unknown> | undefined> = { agent, workspace, merge, tracker, hooks, host, fleet };
  for (const [group, settings] of Object.entries(groups)) {
    for (const [leaf, value] of Object.entries(settings ?? {})) {
      if (value !== undefined) Object.assign(values, { [`${group}.${leaf}`]: value });
    }
  }
  return values;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function valueAtPath(raw: unknown, path: FieldPath): unknown {
  const [head, leaf] = path.split('.') as [string, string | undefined];
  if (!isRecord(raw)) return undefined;
  if (leaf === undefined) return raw[head];
  const parent = raw[head];
  if (isRecord(parent)) return parent[leaf];
  // `"workspace": "worktree"` holds the mode.
  return GROUP_SHORTHAND[head as GroupName] === leaf ? parent : undefined;
}

