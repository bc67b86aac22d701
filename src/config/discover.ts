/**
 * Finding and reading the config file. Parsing only: validation happens in
 * the layer pipeline, so a file that reads fine but holds bad values gets
 * the full problem list rather than the first parse error.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Loader } from 'cosmiconfig';
import { ConfigError } from '../errors.js';
import { MAX_NESTING, nestedDeeperThan } from '../text/checks.js';
import { stripBom } from '../text/input.js';

/** Looked for in each directory from cwd up to the nearest package.json, in this order. */
export const CONFIG_SEARCH_PLACES = [
  'package.json',
  '.harnessrc',
  '.harnessrc.json',
  '.harnessrc.yaml',
  '.harnessrc.yml',
  'harness.config.json',
  'harness.config.yaml',
  'harness.config.yml',
  'harness.config.js',
  'harness.config.mjs',
] as const;

export interface RawConfigFile {
  /** Absolute path of the file. */
  path: string;
  /** Its contents as parsed, not yet validated; `{}` for an empty file. */
  raw: unknown;
}

/**
 * cosmiconfig, loaded when a file is to be read, with its loaders wrapped in
 * two rules of our own for every file type: a UTF-8 byte order mark is
 * dropped (JSON.parse refuses one), and a file holding only `null` counts as
 * empty, as an empty file does. So one rule applies whether a file is found
 * by the search (an empty one is passed over) or named (--config, `config
 * validate`: no settings, the defaults).
 */
async function explorer() {
  const { cosmiconfig, defaultLoaders } = await import('cosmiconfig');
  const loaders = Object.fromEntries(
    Object.entries(defaultLoaders).map(([extension, load]) => [
      extension,
      (async (filepath: string, content: string) => {
        const loaded: unknown = await load(filepath, stripBom(content));
        return loaded === null ? undefined : loaded;
      }) as Loader,
    ]),
  );
  // No cache: a long-lived process (and the tests) must see edits to the file.
  return cosmiconfig('harness', {
    searchPlaces: [...CONFIG_SEARCH_PLACES],
    searchStrategy: 'project',
    cache: false,
    loaders,
  });
}

/** Where cosmiconfig looks, in the directory it runs from, for settings of its own (which may add search places). */
const META_CONFIG_PLACES = ['package.yaml', ...['json', 'yaml', 'yml', 'js', 'ts', 'cjs', 'mjs'].map((ext) => `.config/config.${ext}`)];

/**
 * Whether the search from `cwd` could find anything: a file at a search
 * place in a directory on the way up to the nearest package.json (a
 * package.json itself only with a "harness" key), or a meta config of
 * cosmiconfig's own. When this says no, the search would find nothing, and
 * cosmiconfig (with its parsers) is not loaded at all; when it says yes,
 * the search decides as it always has.
 */
function searchMayFind(cwd: string): boolean {
  const here = process.cwd();
  if (hasKey(path.join(here, 'package.json'), 'cosmiconfig') || META_CONFIG_PLACES.some((place) => existsSync(path.join(here, place)))) return true;
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    for (const place of CONFIG_SEARCH_PLACES) {
      const file = path.join(dir, place);
      if (place === 'package.json' ? hasKey(file, 'harness') : existsSync(file)) return true;
    }
    // The search stops at the project's root, or at the root of the file system.
    if (existsSync(path.join(dir, 'package.json')) || existsSync(path.join(dir, 'package.yaml')) || path.dirname(dir) === dir) return false;
  }
}

/** A package.json that holds `key`, or that does not parse as plain JSON (the search then reads, or reports, it). */
function hasKey(file: string, key: string): boolean {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && Object.hasOwn(parsed, key);
  } catch {
    return true;
  }
}

/** The nearest config file above `cwd`, or null when there is none. */
export async function findConfigFile(cwd: string): Promise<RawConfigFile | null> {
  if (!searchMayFind(cwd)) return null;
  try {
    const result = await (await explorer()).search(cwd);
    return result ? checked({ path: result.filepath, raw: result.config ?? {} }, cwd) : null;
  } catch (error) {
    throw error instanceof ConfigError ? error : parseFailure(error, cwd);
  }
}

/** Reads the config file at `file` (relative to `cwd`). Throws ConfigError when it cannot. */
export async function loadConfigFileRaw(file: string, cwd: string): Promise<RawConfigFile> {
  const absolute = path.resolve(cwd, file);
  const shown = displayPath(absolute, cwd);
  const problem = pathProblem(absolute, shown);
  if (problem) throw new ConfigError([problem], shown);
  let result;
  try {
    result = await (await explorer()).load(absolute);
  } catch (error) {
    throw parseFailure(error, cwd, absolute);
  }
  if (result === null) {
    throw new ConfigError([`${shown} has no "harness" key; add one holding the settings`], shown);
  }
  return checked({ path: absolute, raw: result.config ?? {} }, cwd);
}

/** A named config path that is missing or is a directory, said as such, with what to pass instead. */
function pathProblem(absolute: string, shown: string): string | null {
  const forms = 'a .json, .yaml, .yml, .js or .mjs file, or package.json with a "harness" key';
  if (!existsSync(absolute)) return `config file not found: ${shown}; check the path (${forms})`;
  if (!statSync(absolute).isDirectory()) return null;
  const inside = CONFIG_SEARCH_PLACES.filter((place) => place !== 'package.json').find((place) => existsSync(path.join(absolute, place)));
  const example = path.join(shown, inside ?? 'harness.config.json');
  return `${shown} is a directory, not a config file; pass the file itself, e.g. --config ${example}${inside ? '' : ` (${forms})`}`;
}

/** Settings nested deeper than any field is: refused before validation walks (and overflows on) them. */
function checked(file: RawConfigFile, cwd: string): RawConfigFile {
  if (!nestedDeeperThan(file.raw)) return file;
  const shown = displayPath(file.path, cwd);
  throw new ConfigError([`${shown} is nested more than ${MAX_NESTING} levels deep; settings are at most two levels deep (such as agent.command)`], shown);
}

/**
 * How a file is named to the user: relative to `cwd` when it is inside it or
 * directly in one of its parents (where the search finds it), else absolute.
 */
export function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  if (relative === '' || path.isAbsolute(relative)) return file;
  const parts = relative.split(path.sep);
  const ups = parts.filter((part) => part === '..').length;
  const inCwd = ups === 0;
  const inAncestor = ups === parts.length - 1;
  return inCwd || inAncestor ? relative : file;
}

function parseFailure(error: unknown, cwd: string, file?: string): ConfigError {
  const failedFile =
    (error as { filepath?: unknown } | null)?.filepath ?? file ?? 'the config file';
  const shown = typeof failedFile === 'string' ? displayPath(failedFile, cwd) : String(failedFile);
  const message = error instanceof Error ? parserMessage(error.message) : String(error);
  return new ConfigError([`could not read ${shown}: ${message}; ${syntaxHint(shown)}`], shown);
}

/**
 * The parser's own explanation, without cosmiconfig's "JSON Error in <path>:"
 * preamble or the code frame that follows (the hint points at the file instead).
 */
function parserMessage(message: string): string {
  // The code frame is coloured when the environment suggests a colour terminal (CI=true does).
  const lines = message
    .replace(/\u001b\[[0-9;]*m/g, '')
    .replace(/^\w+ Error in [^\n]*:\s*/, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^(>?\s*\d+\s*\||\||-+\^)/.test(line));
  return (lines[0] ?? message).replace(/ while parsing .*$/, '').trim();
}

function syntaxHint(file: string): string {
  const extension = path.extname(file);
  if (extension === '.json' || path.basename(file) === 'package.json') {
    return 'check the JSON: keys in double quotes, no trailing commas, no comments';
  }
  if (extension === '.js' || extension === '.mjs') {
    return 'check that the module loads and its default export is an object of settings';
  }
  if (extension === '.yaml' || extension === '.yml' || extension === '') {
    return 'check the YAML (or JSON): indentation, closing brackets and quotes';
  }
  return 'use a .json, .yaml, .yml, .js or .mjs file';
}
