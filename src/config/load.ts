/**
 * The config pipeline: defaults < config file < HARNESS_* env vars < flags.
 * Each layer is validated on its own so problems name what the user wrote
 * (a file key, an env var, a flag); cross-field rules run on the merged
 * result; every problem is collected before one ConfigError is thrown.
 */
import { ConfigError } from '../errors.js';
import { displayPath, findConfigFile, loadConfigFileRaw, type RawConfigFile } from './discover.js';
import { FIELD_PATHS, GROUP_FIELDS, GROUP_SHORTHAND, HARNESS_ENV_VAR, type FieldPath, type GroupName } from './fields.js';
import { flagFor } from './flags.js';
import { checkCrossFieldRules } from './rules.js';
import { DEFAULT_CONFIG, type HarnessConfig, type ResolvedConfig } from './types.js';
import { checkEntries, coerceText, mergeLayers, type SourcedLayer } from './values.js';

export { HARNESS_ENV_VAR } from './fields.js';
export { loadConfigFileRaw } from './discover.js';

/** Flag values by field path; a group (`agent`, `workspace`, `merge`) may also be given whole. */
export type ConfigFlagValues = Partial<Record<keyof HarnessConfig | FieldPath, unknown>>;

export interface ResolveConfigOptions {
  cwd: string;
  /** Use this file (relative to cwd) instead of searching for one. */
  configPath?: string;
  /** Environment to read HARNESS_* variables from. Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Already-parsed CLI flag values, keyed by field path (see flagsToOverrides). */
  flags?: ConfigFlagValues;
}

export async function resolveConfig(options: ResolveConfigOptions): Promise<ResolvedConfig> {
  const { cwd } = options;
  const file =
    options.configPath !== undefined
      ? await loadConfigFileRaw(options.configPath, cwd)
      : await findConfigFile(cwd);
  // Only a config file needs its schema (and zod): env vars and flags are checked field by field.
  const fileLayer = file ? await parseFileLayer(file, cwd) : undefined;
  const layers = [
    ...(fileLayer ? [fileLayer] : []),
    envLayer(options.env ?? process.env),
    flagLayer(options.flags ?? {}),
  ];
  const merged = mergeLayers(DEFAULT_CONFIG, layers);
  const { sources } = merged;
  const config = withPoolDefault(merged, layers);
  const crossField = checkCrossFieldRules(config);
  const problems = [...layers.flatMap((layer) => layer.problems), ...crossField.map((p) => p.message)];
  if (problems.length > 0) {
    const blamesFile =
      (fileLayer?.problems.length ?? 0) > 0 ||
      crossField.some((p) => p.fields.some((field) => sources[field].kind === 'file'));
    throw new ConfigError(problems, file && blamesFile ? displayPath(file.path, cwd) : undefined);
  }
  return { config, sources, file: file?.path ?? null };
}

/**
 * Problems in the config file at `file`, merged over the defaults so that
 * cross-field rules apply against them too. Empty when the file is valid.
 * A file that is missing or does not parse yields that one problem.
 */
export async function validateConfigFile(file: string, cwd: string): Promise<string[]> {
  let raw: RawConfigFile;
  try {
    raw = await loadConfigFileRaw(file, cwd);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  const layer = await parseFileLayer(raw, cwd);
  const config = withPoolDefault(mergeLayers(DEFAULT_CONFIG, [layer]), [layer]);
  return [...layer.problems, ...checkCrossFieldRules(config).map((p) => p.message)];
}

/**
 * A pool bound below the default smallest pool (`--max-workers 2`) brings
 * that default down with it, as the scaler does; a minWorkers that was
 * given (or layers with problems) is left for the rules to judge.
 */
function withPoolDefault(merged: ReturnType<typeof mergeLayers>, layers: readonly SourcedLayer[]): HarnessConfig {
  const { config, sources } = merged;
  const lowered = sources.minWorkers.kind === 'default' && layers.every((layer) => layer.problems.length === 0) && config.maxWorkers < config.minWorkers;
  return lowered ? { ...config, minWorkers: config.maxWorkers } : config;
}

async function parseFileLayer(file: RawConfigFile, cwd: string): Promise<SourcedLayer> {
  const shown = displayPath(file.path, cwd);
  const { parseLayer } = await import('./layers.js');
  const layer = parseLayer(file.raw, (path) => path || shown);
  return { ...layer, source: () => ({ kind: 'file', path: file.path }) };
}

function envLayer(env: Readonly<Record<string, string | undefined>>): SourcedLayer {
  const entries = new Map<FieldPath, unknown>();
  for (const path of FIELD_PATHS) {
    const value = env[HARNESS_ENV_VAR(path)];
    // An empty variable is how shells "unset" a value for one command; treat it as absent.
    if (value !== undefined && value !== '') entries.set(path, coerceText(path, value));
  }
  const layer = checkEntries(entries, HARNESS_ENV_VAR);
  return { ...layer, source: (path) => ({ kind: 'env', variable: HARNESS_ENV_VAR(path) }) };
}

function flagLayer(flags: ConfigFlagValues): SourcedLayer {
  const entries = new Map<FieldPath, unknown>();
  for (const path of FIELD_PATHS) {
    if (flags[path] !== undefined) entries.set(path, coerceText(path, flags[path]));
  }
  // A group given whole: an object of its fields, or its short form. `agent`
  // alone is the command (like --agent); `workspace` alone is the mode.
  for (const group of Object.keys(GROUP_FIELDS) as GroupName[]) {
    const given = flags[group];
    const short = FLAG_SHORT_FORMS[group];
    if (given !== null && typeof given === 'object' && !Array.isArray(given)) {
      for (const [key, value] of Object.entries(given)) {
        const path = `${group}.${key}`;
        if (isFieldPath(path) && value !== undefined && !entries.has(path)) entries.set(path, value);
      }
    } else if (given !== undefined && short) {
      const path = `${group}.${short}`;
      if (isFieldPath(path) && !entries.has(path)) entries.set(path, given);
    }
  }
  const layer = checkEntries(entries, flagFor);
  return { ...layer, source: (path) => ({ kind: 'flag', flag: flagFor(path) }) };
}

/** The leaf a group's single value sets when given as a flag value. */
const FLAG_SHORT_FORMS: Partial<Record<GroupName, string>> = { ...GROUP_SHORTHAND, agent: 'command' };

function isFieldPath(path: string): path is FieldPath {
  return (FIELD_PATHS as readonly string[]).includes(path);
}
