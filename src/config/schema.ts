/**
 * The shape of one config file's layer: every field optional, unknown keys
 * rejected, groups given as objects (workspace also as its mode alone).
 * Each field's own rule is its check (checks.ts), applied here inside zod;
 * a failed check's "expected …" phrase becomes the issue's message, which
 * the normaliser puts in front of the received value.
 */
import { z } from 'zod';
import { FIELD_CHECKS, type Check } from './checks.js';
import { EXPECTED, SCALAR_FIELDS, type ScalarField } from './fields.js';
import type { HarnessConfig } from './types.js';

/** A field checked by its rule; a value it refuses is one issue, with the rule's "expected …" text. */
function field<T>(check: Check<T>) {
  return z
    .unknown()
    .transform((value, ctx): T => {
      const result = check(value);
      if (result.ok) return result.value;
      ctx.addIssue({ code: 'custom', message: result.expected });
      return z.NEVER;
    })
    .optional();
}

type Leaves<G extends 'workspace' | 'merge' | 'agent' | 'tracker' | 'hooks' | 'host' | 'fleet'> = { [K in keyof HarnessConfig[G]]: ReturnType<typeof field<HarnessConfig[G][K]>> };

const workspaceObject = z.strictObject(
  {
    mode: field(FIELD_CHECKS['workspace.mode']),
    setup: field(FIELD_CHECKS['workspace.setup']),
    copy: field(FIELD_CHECKS['workspace.copy']),
    keep: field(FIELD_CHECKS['workspace.keep']),
  } satisfies Leaves<'workspace'>,
  { error: EXPECTED.workspaceGroup },
);

/** The object form, or the mode alone (the form workspace had before it grew settings). */
export const workspaceSchema = z.preprocess((value) => (typeof value === 'string' ? { mode: value } : value), workspaceObject);

export const mergeSchema = z.strictObject(
  {
    mode: field(FIELD_CHECKS['merge.mode']),
    strategy: field(FIELD_CHECKS['merge.strategy']),
    verify: field(FIELD_CHECKS['merge.verify']),
    target: field(FIELD_CHECKS['merge.target']),
    push: field(FIELD_CHECKS['merge.push']),
    batchSize: field(FIELD_CHECKS['merge.batchSize']),
    requireCommits: field(FIELD_CHECKS['merge.requireCommits']),
  } satisfies Leaves<'merge'>,
  { error: EXPECTED.merge },
);

export const agentSchema = z.strictObject(
  {
    command: field(FIELD_CHECKS['agent.command']),
    prompt: field(FIELD_CHECKS['agent.prompt']),
    format: field(FIELD_CHECKS['agent.format']),
    resume: field(FIELD_CHECKS['agent.resume']),
    model: field(FIELD_CHECKS['agent.model']),
    permissionMode: field(FIELD_CHECKS['agent.permissionMode']),
    sandbox: field(FIELD_CHECKS['agent.sandbox']),
    bin: field(FIELD_CHECKS['agent.bin']),
  } satisfies Leaves<'agent'>,
  { error: EXPECTED.agent },
);

export const trackerSchema = z.strictObject(
  {
    timeoutMs: field(FIELD_CHECKS['tracker.timeoutMs']),
    retryMs: field(FIELD_CHECKS['tracker.retryMs']),
    label: field(FIELD_CHECKS['tracker.label']),
    limit: field(FIELD_CHECKS['tracker.limit']),
    assign: field(FIELD_CHECKS['tracker.assign']),
    bin: field(FIELD_CHECKS['tracker.bin']),
  } satisfies Leaves<'tracker'>,
  { error: EXPECTED.tracker },
);

export const hooksSchema = z.strictObject(
  {
    afterCreate: field(FIELD_CHECKS['hooks.afterCreate']),
    beforeRun: field(FIELD_CHECKS['hooks.beforeRun']),
    afterRun: field(FIELD_CHECKS['hooks.afterRun']),
    beforeRemove: field(FIELD_CHECKS['hooks.beforeRemove']),
    timeoutMs: field(FIELD_CHECKS['hooks.timeoutMs']),
  } satisfies Leaves<'hooks'>,
  { error: EXPECTED.hooks },
);

export const hostSchema = z.strictObject(
  {
    maxLoad: field(FIELD_CHECKS['host.maxLoad']),
    minFreeMemory: field(FIELD_CHECKS['host.minFreeMemory']),
  } satisfies Leaves<'host'>,
  { error: EXPECTED.host },
);

export const fleetSchema = z.strictObject(
  {
    maxWorkers: field(FIELD_CHECKS['fleet.maxWorkers']),
    leaseMs: field(FIELD_CHECKS['fleet.leaseMs']),
  } satisfies Leaves<'fleet'>,
  { error: EXPECTED.fleet },
);

function scalarShape() {
  const entries = SCALAR_FIELDS.map((name) => [name, field(FIELD_CHECKS[name])]);
  return Object.fromEntries(entries) as { [F in ScalarField]: ReturnType<typeof field<HarnessConfig[F]>> };
}

/** One layer of configuration, as written in a file. */
export const configFileSchema = z.strictObject(
  { ...scalarShape(), workspace: workspaceSchema.optional(), merge: mergeSchema.optional(), agent: agentSchema.optional(), tracker: trackerSchema.optional(), hooks: hooksSchema.optional(), host: hostSchema.optional(), fleet: fleetSchema.optional() },
  { error: EXPECTED.settings },
);

/** A validated layer: numbers in ms, agent.command as argv. */
export type ConfigLayer = z.output<typeof configFileSchema>;
