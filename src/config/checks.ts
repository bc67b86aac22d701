/**
 * What each config field accepts, as plain functions of one value: the one
 * definition of every field's rule. The config file's schema (schema.ts)
 * applies them inside zod, which also checks the file's shape (unknown
 * keys, groups); env vars and flags are checked with them directly, so a
 * run without a config file never loads zod. A failed check names what was
 * expected; the layer puts it in the message `label: expected …, received …`.
 */
import { AGENT_FORMATS } from '../agents/formats/events.js';
import { CLAUDE_PERMISSION_MODES, CODEX_SANDBOXES } from '../agents/formats/presets.js';
import { BLOCKER_FAILURE_MODES, type BlockerFailureMode } from '../core/dependencies.js';
import { SOURCE_KINDS, type SourceKind } from '../sources/types.js';
import { splitCommandLine } from './argv.js';
import { parseDuration } from './duration.js';
import { parseSize } from './size.js';
import {
  EXPECTED,
  MERGE_MODES,
  MERGE_STRATEGIES,
  SCALAR_FIELD_KINDS,
  WORKSPACE_MODES,
  type FieldKind,
  type FieldPath,
  type ScalarField,
} from './fields.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; expected: string };
/** A field's rule: the value as the config holds it (ms, argv…), or what was expected instead. */
export type Check<T = unknown> = (value: unknown) => Checked<T>;

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const expected = (what: string): Checked<never> => ({ ok: false, expected: what });

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** A positive whole number (at most 2^53 − 1, beyond which integers are not exact). */
const count: Check<number> = (value) => (isNumber(value) && Number.isSafeInteger(value) && value > 0 ? ok(value) : expected(EXPECTED.count));

const ratio: Check<number> = (value) => (isNumber(value) && value > 0 ? ok(value) : expected(EXPECTED.ratio));

/** Milliseconds as a number, or a duration string such as "30s" (see parseDuration). */
const duration: Check<number> = (value) => {
  if (!isNumber(value) && typeof value !== 'string') return expected(EXPECTED.duration);
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch {
    return expected(EXPECTED.duration);
  }
  return ms > 0 ? ok(ms) : expected(EXPECTED.duration);
};

const path: Check<string> = (value) => (typeof value === 'string' && value !== '' ? ok(value) : expected(EXPECTED.path));

/** A cap in USD: a positive finite amount, or null for none. */
const usd: Check<number | null> = (value) => (value === null || (isNumber(value) && value > 0) ? ok(value) : expected(EXPECTED.usd));

/** A cap in tokens: a positive whole number, or null for none. */
const tokens: Check<number | null> = (value) =>
  value === null || (isNumber(value) && Number.isSafeInteger(value) && value > 0) ? ok(value) : expected(EXPECTED.tokens);

const countOrZero: Check<number> = (value) => (isNumber(value) && Number.isSafeInteger(value) && value >= 0 ? ok(value) : expected(EXPECTED.countOrZero));

const holdMode: Check<'wait' | 'stop'> = (value) => (value === 'wait' || value === 'stop' ? ok(value) : expected(EXPECTED.holdMode));

const source: Check<SourceKind> = (value) => ((SOURCE_KINDS as readonly unknown[]).includes(value) ? ok(value as SourceKind) : expected(EXPECTED.source));

const blockerMode: Check<BlockerFailureMode> = (value) => ((BLOCKER_FAILURE_MODES as readonly unknown[]).includes(value) ? ok(value as BlockerFailureMode) : expected(EXPECTED.blockerMode));

/** A PostgreSQL URL, or null for the SQLite file. Checked for its scheme only: the server says what else is wrong, when it is reached. */
const storeUrl: Check<string | null> = (value) =>
  value === null || (typeof value === 'string' && /^postgres(ql)?:\/\/\S+$/.test(value) && URL.canParse(value)) ? ok(value) : expected(EXPECTED.storeUrl);

export const KIND_CHECKS = { count, duration, ratio, path, usd, tokens, countOrZero, holdMode, source, blockerMode, storeUrl } satisfies Record<FieldKind, Check>;

/**
 * An argv array, or one command line split without a shell. A bad element
 * is reported against the whole command, not as `agent.command.1`.
 */
function argv(value: unknown, what: string): Checked<string[]> {
  let args: unknown[];
  if (Array.isArray(value)) args = value;
  else if (typeof value === 'string') {
    try {
      args = splitCommandLine(value);
    } catch {
      return expected(EXPECTED.commandLine);
    }
  } else return expected(what);
  return args.length > 0 && args.every((arg) => typeof arg === 'string' && arg !== '') ? ok(args as string[]) : expected(what);
}

const command: Check<string[]> = (value) => argv(value, EXPECTED.command);

/** A command that may be switched off with null (workspace.setup, merge.verify). */
const optionalCommand: Check<string[] | null> = (value) => (value === null ? ok(null) : argv(value, EXPECTED.optionalCommand));

const oneOf =
  <T extends string>(values: readonly T[], what: string): Check<T> =>
  (value) =>
    values.includes(value as T) ? ok(value as T) : expected(what);

const boolean: Check<boolean> = (value) => (typeof value === 'boolean' ? ok(value) : expected(EXPECTED.boolean));

const name: Check<string | null> = (value) => (value === null || (typeof value === 'string' && value !== '') ? ok(value) : expected(EXPECTED.name));

/** Paths copied into worktrees must stay inside the project: relative, without `..`. */
const copyList: Check<string[]> = (value) => {
  const inside = (item: unknown): item is string =>
    typeof item === 'string' && item !== '' && !item.startsWith('/') && !item.split(/[\\/]/).includes('..');
  return Array.isArray(value) && value.every(inside) ? ok(value as string[]) : expected(EXPECTED.copy);
};

const prompt: Check<string> = (value) => (typeof value === 'string' ? ok(value) : expected(EXPECTED.prompt));

const orNull =
  <T>(check: Check<T>, what: string): Check<T | null> =>
  (value) => {
    if (value === null) return ok(null);
    const result = check(value);
    return result.ok ? result : expected(what);
  };

/** A value that goes on an agent's command line as one argument: printable, not taken for a flag. */
const word: Check<string> = (value) =>
  typeof value === 'string' && value !== '' && !value.startsWith('-') && !/[\u0000-\u001f\u007f]/.test(value) ? ok(value) : expected(EXPECTED.name);

/** A load average to stay under: a positive number (a fraction too), or null for none. */
const maxLoad: Check<number | null> = (value) => (value === null || (isNumber(value) && value > 0) ? ok(value) : expected(EXPECTED.maxLoad));

/** Bytes as a number, or a size string such as "2GB" (see parseSize); null for none. */
const size: Check<number | null> = (value) => {
  if (value === null) return ok(null);
  if (!isNumber(value) && typeof value !== 'string') return expected(EXPECTED.size);
  let bytes: number;
  try {
    bytes = parseSize(value);
  } catch {
    return expected(EXPECTED.size);
  }
  return bytes > 0 && Number.isSafeInteger(bytes) ? ok(bytes) : expected(EXPECTED.size);
};

const scalarChecks = Object.fromEntries(Object.entries(SCALAR_FIELD_KINDS).map(([field, kind]) => [field, KIND_CHECKS[kind]])) as Record<ScalarField, Check>;

/** Every leaf field's rule. */
export const FIELD_CHECKS = {
  ...scalarChecks,
  'workspace.mode': oneOf(WORKSPACE_MODES, EXPECTED.workspace),
  'workspace.setup': optionalCommand,
  'workspace.copy': copyList,
  'workspace.keep': boolean,
  'merge.mode': oneOf(MERGE_MODES, EXPECTED.mergeMode),
  'merge.strategy': oneOf(MERGE_STRATEGIES, EXPECTED.strategy),
  'merge.verify': optionalCommand,
  'merge.target': name,
  'merge.push': name,
  'merge.batchSize': count,
  'merge.requireCommits': boolean,
  'agent.command': command,
  'agent.prompt': prompt,
  'agent.format': orNull(oneOf(AGENT_FORMATS, EXPECTED.format), EXPECTED.format),
  'agent.resume': (value) => (value === null || typeof value === 'boolean' ? ok(value) : expected(EXPECTED.resume)),
  'agent.model': orNull(word, 'null or a model name (not starting with "-")'),
  'agent.permissionMode': oneOf(CLAUDE_PERMISSION_MODES, EXPECTED.permissionMode),
  'agent.sandbox': oneOf(CODEX_SANDBOXES, EXPECTED.sandbox),
  'agent.bin': orNull(word, EXPECTED.bin),
  'tracker.timeoutMs': duration,
  'tracker.retryMs': duration,
  'tracker.label': (value) => (typeof value === 'string' && value.trim() !== '' && !/[\u0000-\u001f\u007f,]/.test(value) ? ok(value) : expected(EXPECTED.label)),
  'tracker.limit': count,
  'tracker.assign': boolean,
  'tracker.bin': orNull(word, 'null or a path to the tracker\'s program'),
  'hooks.afterCreate': optionalCommand,
  'hooks.beforeRun': optionalCommand,
  'hooks.afterRun': optionalCommand,
  'hooks.beforeRemove': optionalCommand,
  'hooks.timeoutMs': duration,
  'host.maxLoad': maxLoad,
  'host.minFreeMemory': size,
  'fleet.maxWorkers': orNull(count, EXPECTED.fleetMaxWorkers),
  'fleet.leaseMs': duration,
} satisfies Record<FieldPath, Check>;
