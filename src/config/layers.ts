/**
 * A layer is one place settings come from (defaults, file, env, flags),
 * validated on its own and flattened to field paths, so that merging and
 * source-tracking work the same way for every layer.
 */
import {
  FIELD_PATHS,
  GROUP_SHORTHAND,
  SCALAR_FIELD_KINDS,
  TEXT_KINDS,
  type FieldPath,
  type GroupName,
  type ScalarField,
} from './fields.js';
import { describeIssues, type Labeller } from './normalise.js';
import { configFileSchema, type ConfigLayer } from './schema.js';
import type { ConfigSource, HarnessConfig } from './types.js';

type FieldValue<P extends FieldPath> = P extends ScalarField
  ? HarnessConfig[P]
  : P extends `${infer G extends GroupName}.${infer L}`
    ? L extends keyof HarnessConfig[G]
      ? HarnessConfig[G][L]
      : never
    : never;

/** Validated values keyed by field path; a field the layer does not set is absent. */
export type FieldValues = { [P in FieldPath]?: FieldValue<P> };

export interface ParsedLayer {
  values: FieldValues;
  /** One line per problem, labelled with the names the user wrote. */
  problems: string[];
}

export interface SourcedLayer extends ParsedLayer {
  source: (path: FieldPath) => ConfigSource;
}

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
  const values: FieldValues = {};
  for (const path of FIELD_PATHS) {
    const value = valueAtPath(raw, path);
    if (value === undefined) continue;
    const single = configFileSchema.safeParse(nestFields(new Map([[path, value]])));
    if (single.success) Object.assign(values, flattenLayer(single.data));
  }
  return values;
}

function flattenLayer(layer: ConfigLayer): FieldValues {
  const { agent, workspace, merge, ...scalars } = layer;
  const values: FieldValues = { ...scalars };
  const groups: Record<GroupName, Record<string, unknown> | undefined> = { agent, workspace, merge };
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

/** Field-path entries back into the nested shape a config file has. */
export function nestFields(entries: ReadonlyMap<FieldPath, unknown>): Record<string, unknown> {
  const nested: Record<string, unknown> = {};
  for (const [path, value] of entries) {
    const [head, leaf] = path.split('.') as [string, string | undefined];
    if (leaf === undefined) {
      nested[head] = value;
    } else {
      const parent = isRecord(nested[head]) ? nested[head] : {};
      nested[head] = { ...parent, [leaf]: value };
    }
  }
  return nested;
}

const NUMERIC = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i;

/**
 * Env vars and flags arrive as text. Counts and ratios that look like numbers
 * become numbers; anything else is passed through untouched so the schema
 * reports it as received (`received "abc"`). Durations stay text because the
 * schema reads "30s" as well as "30000".
 */
export function coerceText(path: FieldPath, value: unknown): unknown {
  const kind = (SCALAR_FIELD_KINDS as Partial<Record<FieldPath, string>>)[path] ?? TEXT_KINDS[path];
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (kind === 'count' || kind === 'ratio') return NUMERIC.test(text) ? Number(text) : value;
  if (kind === 'boolean') return BOOLEAN_WORDS[text.toLowerCase()] ?? value;
  if (kind === 'list') return text.split(',').map((item) => item.trim()).filter((item) => item !== '');
  return value;
}

const BOOLEAN_WORDS: Readonly<Record<string, boolean>> = { true: true, false: false, yes: true, no: false, '1': true, '0': false };

export interface MergedConfig {
  config: HarnessConfig;
  sources: Record<FieldPath, ConfigSource>;
}

/** Applies layers over the defaults, lowest first, noting where each field came from. */
export function mergeLayers(defaults: Readonly<HarnessConfig>, layers: readonly SourcedLayer[]): MergedConfig {
  const { agent, workspace, merge, ...scalarDefaults } = defaults;
  const values: Record<string, unknown> = { ...scalarDefaults };
  for (const [group, settings] of Object.entries({ agent, workspace, merge })) {
    for (const [leaf, value] of Object.entries(settings)) values[`${group}.${leaf}`] = value;
  }
  const sources = Object.fromEntries(
    FIELD_PATHS.map((path) => [path, { kind: 'default' }]),
  ) as Record<FieldPath, ConfigSource>;
  for (const layer of layers) {
    for (const path of FIELD_PATHS) {
      if (layer.values[path] === undefined) continue;
      values[path] = layer.values[path];
      sources[path] = layer.source(path);
    }
  }
  // Arrays are copied so the result never shares the defaults' (frozen) arrays.
  const leaf = (path: FieldPath): unknown => (Array.isArray(values[path]) ? [...(values[path] as unknown[])] : values[path]);
  const config: Record<string, unknown> = {};
  for (const path of FIELD_PATHS) {
    const [head, key] = path.split('.') as [string, string | undefined];
    if (key === undefined) config[head] = leaf(path);
    else config[head] = { ...(config[head] as object | undefined), [key]: leaf(path) };
  }
  return { config: config as unknown as HarnessConfig, sources };
}
