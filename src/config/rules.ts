/**
 * Rules that relate two fields. They run on the merged configuration, after
 * every layer, because the two sides may come from different layers (min from
 * the file, max from a flag). Every broken rule is reported, not just the first.
 */
import { agentSettingsProblems } from '../agents/invocation.js';
import type { FieldPath } from './fields.js';
import type { HarnessConfig } from './types.js';

type NumericField = {
  [F in keyof HarnessConfig]: HarnessConfig[F] extends number ? F : never;
}[keyof HarnessConfig];

interface PairRule {
  /** The field blamed in the message. */
  field: NumericField;
  other: NumericField;
  /** How `field` must compare with `other`. */
  relation: '≥' | '≤' | '<';
  /** What to do about it. */
  fix: string;
}

const PAIR_RULES: readonly PairRule[] = [
  {
    field: 'maxWorkers',
    other: 'minWorkers',
    relation: '≥',
    fix: 'raise maxWorkers or lower minWorkers',
  },
  {
    field: 'scaleDownThreshold',
    other: 'scaleUpThreshold',
    relation: '<',
    fix: 'lower scaleDownThreshold or raise scaleUpThreshold, or the pool would scale up and down on the same queue depth',
  },
  {
    field: 'targetQueueDepth',
    other: 'maxQueueDepth',
    relation: '≤',
    fix: 'lower targetQueueDepth or raise maxQueueDepth',
  },
];

function holds(value: number, relation: PairRule['relation'], other: number): boolean {
  if (relation === '≥') return value >= other;
  if (relation === '≤') return value <= other;
  return value < other;
}

export interface CrossFieldProblem {
  /** The fields involved, the blamed one first. */
  fields: FieldPath[];
  /** e.g. `maxWorkers: expected ≥ minWorkers (4), received 2: raise maxWorkers or lower minWorkers` */
  message: string;
}

/**
 * Every broken rule. A rule is skipped unless both sides are finite numbers,
 * so a field already reported as invalid is not blamed twice.
 */
export function checkCrossFieldRules(config: Readonly<HarnessConfig>): CrossFieldProblem[] {
  const problems: CrossFieldProblem[] = [];
  for (const rule of PAIR_RULES) {
    const value = config[rule.field];
    const other = config[rule.other];
    if (!Number.isFinite(value) || !Number.isFinite(other)) continue;
    if (!holds(value, rule.relation, other)) {
      problems.push({
        fields: [rule.field, rule.other],
        message: `${rule.field}: expected ${rule.relation} ${rule.other} (${other}), received ${value}: ${rule.fix}`,
      });
    }
  }
  // The agent's settings relate to its command: a preset has its own format, not every one can resume.
  for (const message of agentSettingsProblems(config.agent)) {
    const field = message.slice(0, message.indexOf(':')) as FieldPath;
    problems.push({ fields: [field, 'agent.command'], message });
  }
  return problems;
}
