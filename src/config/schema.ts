/**
 * The shape of one config layer (a file, the env vars, the flags): every
 * field optional, unknown keys rejected. Each schema's error text is the
 * "expected …" phrase the normaliser puts in front of the received value.
 */
import { z } from 'zod';
import { splitCommandLine } from './argv.js';
import { parseDuration } from './duration.js';
import {
  EXPECTED,
  MERGE_MODES,
  MERGE_STRATEGIES,
  SCALAR_FIELD_KINDS,
  WORKSPACE_MODES,
  type FieldKind,
  type ScalarField,
} from './fields.js';

const count = z
  .number({ error: EXPECTED.count })
  .int({ error: EXPECTED.count })
  .positive({ error: EXPECTED.count });

const ratio = z.number({ error: EXPECTED.ratio }).positive({ error: EXPECTED.ratio });

/** Milliseconds as a number, or a duration string such as "30s" (see parseDuration). */
const duration = z
  .union([z.number(), z.string()], { error: EXPECTED.duration })
  .transform((value, ctx) => {
    const ms = durationOrUndefined(value);
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: EXPECTED.duration });
      return z.NEVER;
    }
    return ms;
  });

function durationOrUndefined(value: number | string): number | undefined {
  try {
    return parseDuration(value);
  } catch {
    return undefined;
  }
}

const path = z.string({ error: EXPECTED.path }).min(1, { error: EXPECTED.path });

const KIND_SCHEMAS = { count, duration, ratio, path } satisfies Record<
  FieldKind,
  z.ZodType
>;

/** An argv array, or one command line split without a shell. */
const agentCommand = z
  .union([z.array(z.unknown()), z.string()], { error: EXPECTED.command })
  .transform((value, ctx) => checkArgv(value, EXPECTED.command, ctx));

/** A command that may be switched off with null (workspace.setup, merge.verify). */
const optionalCommand = z
  .union([z.null(), z.array(z.unknown()), z.string()], { error: EXPECTED.optionalCommand })
  .transform((value, ctx) => (value === null ? null : checkArgv(value, EXPECTED.optionalCommand, ctx)));

function checkArgv(value: unknown[] | string, expected: string, ctx: z.RefinementCtx): string[] {
  // Checked here rather than by z.array(z.string().min(1)) so that a bad
  // element is reported against the whole command, not `agent.command.1`.
  const argv = Array.isArray(value) ? value : splitOrUndefined(value);
  if (argv === undefined) {
    ctx.addIssue({ code: 'custom', message: EXPECTED.commandLine });
    return z.NEVER;
  }
  if (argv.length === 0 || !argv.every((arg) => typeof arg === 'string' && arg !== '')) {
    ctx.addIssue({ code: 'custom', message: expected });
    return z.NEVER;
  }
  return argv as string[];
}
const boolean = z.boolean({ error: EXPECTED.boolean });
const name = z.union([z.null(), z.string().min(1)], { error: EXPECTED.name });

/** Paths copied into worktrees must stay inside the project: relative, without `..`. */
const copyList = z.array(z.unknown(), { error: EXPECTED.copy }).transform((value, ctx) => {
  const inside = (item: unknown): item is string =>
    typeof item === 'string' && item !== '' && !item.startsWith('/') && !item.split(/[\\/]/).includes('..');
  if (!value.every(inside)) {
    ctx.addIssue({ code: 'custom', message: EXPECTED.copy });
    return z.NEVER;
  }
  return value;
});

const workspaceObject = z.strictObject(
  {
    mode: z.enum(WORKSPACE_MODES, { error: EXPECTED.workspace }).optional(),
    setup: optionalCommand.optional(),
    copy: copyList.optional(),
    keep: boolean.optional(),
  },
  { error: EXPECTED.workspaceGroup },
);

/** The object form, or the mode alone (the form workspace had before it grew settings). */
export const workspaceSchema = z.preprocess((value) => (typeof value === 'string' ? { mode: value } : value), workspaceObject);

export const mergeSchema = z.strictObject(
  {
    mode: z.enum(MERGE_MODES, { error: EXPECTED.mergeMode }).optional(),
    strategy: z.enum(MERGE_STRATEGIES, { error: EXPECTED.strategy }).optional(),
    verify: optionalCommand.optional(),
    target: name.optional(),
    push: name.optional(),
    batchSize: count.optional(),
    requireCommits: boolean.optional(),
  },
  { error: EXPECTED.merge },
);

function splitOrUndefined(line: string): string[] | undefined {
  try {
    return splitCommandLine(line);
  } catch {
    return undefined;
  }
}

export const agentSchema = z.strictObject(
  {
    command: agentCommand.optional(),
    prompt: z.string({ error: EXPECTED.prompt }).optional(),
  },
  { error: EXPECTED.agent },
);

function scalarShape() {
  const entries = Object.entries(SCALAR_FIELD_KINDS).map(([field, kind]) => [
    field,
    KIND_SCHEMAS[kind].optional(),
  ]);
  return Object.fromEntries(entries) as {
    [F in ScalarField]: (typeof KIND_SCHEMAS)[(typeof SCALAR_FIELD_KINDS)[F]] extends infer S
      ? S extends z.ZodType
        ? z.ZodOptional<S>
        : never
      : never;
  };
}

/** One layer of configuration, as written in a file (or gathered from env vars / flags). */
export const configFileSchema = z.strictObject(
  { ...scalarShape(), workspace: workspaceSchema.optional(), merge: mergeSchema.optional(), agent: agentSchema.optional() },
  { error: EXPECTED.settings },
);

/** A validated layer: numbers in ms, agent.command as argv. */
export type ConfigLayer = z.output<typeof configFileSchema>;
