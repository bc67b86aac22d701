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
const workspace = z.enum(WORKSPACE_MODES, { error: EXPECTED.workspace });

const KIND_SCHEMAS = { count, duration, ratio, path, workspace } satisfies Record<
  FieldKind,
  z.ZodType
>;

/** An argv array, or one command line split without a shell. */
const agentCommand = z
  .union([z.array(z.unknown()), z.string()], { error: EXPECTED.command })
  .transform((value, ctx) => {
    // Checked here rather than by z.array(z.string().min(1)) so that a bad
    // element is reported against the whole command, not `agent.command.1`.
    const argv = Array.isArray(value) ? value : splitOrUndefined(value);
    if (argv === undefined) {
      ctx.addIssue({ code: 'custom', message: EXPECTED.commandLine });
      return z.NEVER;
    }
    if (argv.length === 0 || !argv.every((arg) => typeof arg === 'string' && arg !== '')) {
      ctx.addIssue({ code: 'custom', message: EXPECTED.command });
      return z.NEVER;
    }
    return argv as string[];
  });

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
  { ...scalarShape(), agent: agentSchema.optional() },
  { error: EXPECTED.settings },
);

/** A validated layer: numbers in ms, agent.command as argv. */
export type ConfigLayer = z.output<typeof configFileSchema>;
