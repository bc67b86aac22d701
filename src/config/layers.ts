/**
 * A layer is one place settings come from (defaults, file, env, flags),
 * validated on its own and flattened to field paths, so that merging and
 * source-tracking work the same way for every layer.
 */
import { FIELD_PATHS, SCALAR_FIELD_KINDS, type FieldPath, type ScalarField } from './fields.js';
import { describeIssues, type Labeller } from './normalise.js';
import { configFileSchema, type ConfigLayer } from './schema.js';
import type { ConfigSource, HarnessConfig } from './types.js';

type FieldValue<P extends FieldPath> = P extends ScalarField
  ? HarnessConfig[P]
  : P extends 'agent.command'
    ? string[]
    : string;

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
  const { agent, ...scalars } = layer;
  const values: FieldValues = { ...scalars };
  if (agent?.command !== undefined) values['agent.command'] = agent.command;
  if (agent?.prompt !== undefined) values['agent.prompt'] = agent.prompt;
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
  return isRecord(parent) ? parent[leaf] : undefined;
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
  const kind = (SCALAR_FIELD_KINDS as Partial<Record<FieldPath, string>>)[path];
  if ((kind === 'count' || kind === 'ratio') && typeof value === 'string') {
    const text = value.trim();
    return NUMERIC.test(text) ? Number(text) : value;
  }
  return value;
}

export interface MergedConfig {
  config: HarnessConfig;
  sources: Record<FieldPath, ConfigSource>;
}

/** Applies layers over the defaults, lowest first, noting where each field came from. */
export function mergeLayers(defaults: Readonly<HarnessConfig>, layers: readonly SourcedLayer[]): MergedConfig {
  const { agent, ...scalarDefaults } = defaults;
  const values: Required<FieldValues> = {
    ...scalarDefaults,
    'agent.command': [...agent.command],
    'agent.prompt': agent.prompt,
  };
  const sources = Object.fromEntries(
    FIELD_PATHS.map((path) => [path, { kind: 'default' }]),
  ) as Record<FieldPath, ConfigSource>;
  for (const layer of layers) {
    for (const path of FIELD_PATHS) {
      if (layer.values[path] === undefined) continue;
      Object.assign(values, { [path]: layer.values[path] });
      sources[path] = layer.source(path);
    }
  }
  const { 'agent.command': command, 'agent.prompt': prompt, ...scalars } = values;
  return { config: { ...scalars, agent: { command, prompt } }, sources };
}
