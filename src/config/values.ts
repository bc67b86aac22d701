/**
 * Field values by path, the common form of every layer (defaults, file, env,
 * flags): text from env vars and flags read as values, entries nested into
 * the shape a file has, entries checked field by field, and layers merged
 * with the source of each field noted. No zod here: a run without a config
 * file checks its env vars and flags with the fields' own rules (checks.ts).
 */
import { FIELD_CHECKS } from './checks.js';
import { FIELD_PATHS, SCALAR_FIELD_KINDS, TEXT_KINDS, type FieldPath, type GroupName, type ScalarField } from './fields.js';
import { renderFieldValue } from './normalise.js';
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
 * Checks env-var or flag entries, one field at a time, as the file's schema
 * would: every problem is reported (in field order), and the valid fields
 * are still returned, so cross-field rules can compare them.
 */
export function checkEntries(entries: ReadonlyMap<FieldPath, unknown>, label: (path: FieldPath) => string): ParsedLayer {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const path of FIELD_PATHS) {
    if (!entries.has(path)) continue;
    const value = entries.get(path);
    const result = FIELD_CHECKS[path](value);
    if (result.ok) values[path] = result.value;
    else problems.push(`${label(path)}: expected ${result.expected}, received ${renderFieldValue(path, value)}`);
  }
  return { values: values as FieldValues, problems };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
  if (kind === 'count' || kind === 'ratio' || kind === 'usd' || kind === 'tokens' || kind === 'countOrZero') return NUMERIC.test(text) ? Number(text) : value;
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
  const { agent, workspace, merge, tracker, hooks, host, fleet, ...scalarDefaults } = defaults;
  const values: Record<string, unknown> = { ...scalarDefaults };
  for (const [group, settings] of Object.entries({ agent, workspace, merge, tracker, hooks, host, fleet })) {
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
