import { existsSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, UsageError } from '../errors.js';
import { MAX_NESTING, nestedDeeperThan } from '../text/checks.js';
import { pathProblem, readTextInput, stripBom, type InputFileRole } from '../text/input.js';
import { DEFAULT_SPEC, SPEC_FIELDS, specProblems, type LoadTestSpec } from './spec.js';

/** The bundled scenarios: the seed's five, lightest first, then one behind a provider's rate limit and one with dependency chains. Their values live in scenarios/<name>.json. */
export const SCENARIO_NAMES = ['smoke', 'light', 'medium', 'heavy', 'stress', 'rate-limited', 'chains'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** Same depth from src/loadtest and dist/loadtest: the package root's scenarios/. */
const SCENARIO_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));

const KNOWN_KEYS = new Set<string>(['name', 'description', ...SPEC_FIELDS, 'rateLimit', 'chains']);

const SCENARIO_FILE: InputFileRole = {
  what: 'scenario file',
  fix: `pass --scenario ${SCENARIO_NAMES.join('|')}, or the path of a JSON file of load-test fields`,
};

/**
 * A spec from the text of a scenario file. Fields it leaves out take
 * DEFAULT_SPEC's values; the name defaults to `fallbackName`. Throws an
 * InputError listing every problem, unknown keys included.
 */
export function parseScenario(text: string, where: string, fallbackName: string): LoadTestSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(stripBom(text));
  } catch (error) {
    throw new InputError(`${where} is not valid JSON: ${(error as Error).message}`);
  }
  if (nestedDeeperThan(raw)) throw new InputError(`${where} is nested more than ${MAX_NESTING} levels deep; a scenario is a flat object of load-test fields`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InputError(`${where}: expected a JSON object of load-test fields (${SPEC_FIELDS.join(', ')})`);
  }
  const record = raw as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !KNOWN_KEYS.has(key));
  const spec = { ...DEFAULT_SPEC, name: fallbackName, ...record };
  const problems = [
    ...unknown.map((key) => `${key}: unknown field; expected one of ${[...KNOWN_KEYS].join(', ')}`),
    ...specProblems(spec),
  ];
  if (record.description !== undefined && typeof record.description !== 'string') {
    problems.push(`description: expected a string, received ${JSON.stringify(record.description)}`);
  }
  if (problems.length > 0) throw new InputError(`invalid scenario in ${where}:`, problems);
  return spec as LoadTestSpec;
}

export function loadScenarioFile(path: string): LoadTestSpec {
  const text = readTextInput(path, path, SCENARIO_FILE);
  return parseScenario(text, path, basename(path).replace(/\.json$/i, ''));
}

function loadBundled(): Record<ScenarioName, LoadTestSpec> {
  const entries = SCENARIO_NAMES.map((name) => [name, Object.freeze(loadScenarioFile(`${SCENARIO_DIR}${name}.json`))] as const);
  return Object.fromEntries(entries) as Record<ScenarioName, LoadTestSpec>;
}

/** The seed's predefined scenarios, keyed by name. */
export const LOAD_TEST_SCENARIOS: Readonly<Record<ScenarioName, LoadTestSpec>> = Object.freeze(loadBundled());

export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(name);
}

/**
 * `--scenario`'s value: a bundled name, or a path to a JSON file (anything
 * that ends in .json, contains a slash or names an existing file).
 */
export function resolveScenario(nameOrPath: string, cwd: string): LoadTestSpec {
  if (isScenarioName(nameOrPath)) return { ...LOAD_TEST_SCENARIOS[nameOrPath] };
  const path = isAbsolute(nameOrPath) ? nameOrPath : resolve(cwd, nameOrPath);
  const looksLikePath = /\.json$/i.test(nameOrPath) || /[\\/]/.test(nameOrPath);
  if (looksLikePath || existsSync(path)) {
    const problem = pathProblem(path, path, SCENARIO_FILE);
    if (problem) throw new UsageError(problem);
    return loadScenarioFile(path);
  }
  throw new UsageError(`unknown scenario "${nameOrPath}": expected one of ${SCENARIO_NAMES.join(', ')}, or a path to a JSON file`);
}
