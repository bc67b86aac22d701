/**
 * `harness config show | validate | init`. Each is a function of its options
 * that returns what to print; errors are thrown typed and the bin maps them
 * to exit codes.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { displayPath, findConfigFile } from '../../config/discover.js';
import { FIELD_PATHS, HARNESS_ENV_VAR } from '../../config/fields.js';
import { resolveConfig, validateConfigFile, type ConfigFlagValues } from '../../config/load.js';
import { renderConfigJson, renderConfigListing } from '../../config/show.js';
import { ConfigError, UsageError } from '../../errors.js';

type Env = Record<string, string | undefined>;

export interface ConfigShowOptions {
  cwd: string;
  configPath?: string;
  env: Env;
  flags: ConfigFlagValues;
  json: boolean;
}

export async function configShow(opts: ConfigShowOptions): Promise<{ output: string }> {
  const resolved = await resolveConfig({
    cwd: opts.cwd,
    configPath: opts.configPath,
    env: opts.env,
    flags: opts.flags,
  });
  return { output: opts.json ? renderConfigJson(resolved) : renderConfigListing(resolved, opts.cwd) };
}

export interface ConfigValidateOptions {
  cwd: string;
  /** The file to check; default: the one harness would find from cwd. */
  file?: string;
  env: Env;
}

/**
 * Checks the config file (merged over the defaults) and then the HARNESS_*
 * variables on top of it, so "valid" means `harness run` would accept it.
 * Throws ConfigError listing every problem.
 */
export async function configValidate(opts: ConfigValidateOptions): Promise<{ output: string }> {
  const { cwd, env } = opts;
  const file = opts.file !== undefined ? path.resolve(cwd, opts.file) : (await findConfigFile(cwd))?.path;
  const lines: string[] = [];
  if (file === undefined) {
    lines.push(
      `no config file found (searched ${cwd} and its parents up to the nearest package.json); the defaults are valid`,
    );
  } else {
    const shown = displayPath(file, cwd);
    const problems = await validateConfigFile(file, cwd);
    if (problems.length > 0) throw new ConfigError(problems, shown);
    lines.push(`✓ ${shown}: valid`);
  }
  // Env values are checked over the file, as `harness run` would see them.
  await resolveConfig({ cwd, configPath: file, env, flags: {} });
  const variables = FIELD_PATHS.map(HARNESS_ENV_VAR).filter((name) => env[name]);
  if (variables.length > 0) lines.push(`✓ environment (${variables.join(', ')}): valid`);
  return { output: lines.join('\n') };
}

export interface ConfigInitOptions {
  cwd: string;
  force: boolean;
}

export const CONFIG_INIT_FILE = 'harness.config.json';

// src/cli/commands and dist/cli/commands are both three levels below the package root.
const EXAMPLE_CONFIG = new URL('../../../harness.config.example.json', import.meta.url);

/** Writes harness.config.json (every field at its default) from the bundled example. */
export async function configInit(opts: ConfigInitOptions): Promise<{ output: string; path: string }> {
  const target = path.join(opts.cwd, CONFIG_INIT_FILE);
  const existed = existsSync(target);
  if (existed && !opts.force) {
    throw new UsageError(`${CONFIG_INIT_FILE} already exists; use --force to overwrite`);
  }
  await writeFile(target, await readFile(EXAMPLE_CONFIG, 'utf8'));
  const verb = existed ? 'overwrote' : 'wrote';
  return {
    output: `✓ ${verb} ${CONFIG_INIT_FILE}; edit it, then check it with \`harness config validate\``,
    path: target,
  };
}
