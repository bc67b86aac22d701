import { toEnvValue } from '../agents/env.js';
import type { SessionExit } from '../agents/types.js';

/** The lifecycle hooks, in the order a workspace meets them. */
export const HOOK_NAMES = ['afterCreate', 'beforeRun', 'afterRun', 'beforeRemove'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/** What a hook runs for: its workspace, and the issue, session and worker when there is one. */
export interface HookContext {
  /** The workspace's directory: the hook's working directory. */
  workspace: string;
  issue?: { id: string; title?: string } | null;
  sessionId?: string | null;
  workerId?: string | null;
  attempt?: number | null;
  /** afterRun: how the session's agent ended. */
  exit?: SessionExit | null;
}

/**
 * The HARNESS_* variables a hook gets, over the run's environment. Issue
 * text reaches a hook only here (never its argv, never a shell), cut and
 * cleaned as a session's variables are.
 */
export function hookEnv(base: NodeJS.ProcessEnv, hook: HookName, context: HookContext): NodeJS.ProcessEnv {
  const vars: Record<string, string> = { HARNESS_HOOK: hook, HARNESS_WORKSPACE: context.workspace };
  if (context.issue) {
    vars.HARNESS_ISSUE_ID = toEnvValue(context.issue.id);
    if (context.issue.title !== undefined) vars.HARNESS_ISSUE_TITLE = toEnvValue(context.issue.title);
  }
  if (context.sessionId) vars.HARNESS_SESSION_ID = toEnvValue(context.sessionId);
  if (context.workerId) vars.HARNESS_WORKER_ID = toEnvValue(context.workerId);
  if (context.attempt !== undefined && context.attempt !== null) vars.HARNESS_ATTEMPT = String(context.attempt);
  if (context.exit) {
    vars.HARNESS_EXIT_CODE = context.exit.exitCode === null ? '' : String(context.exit.exitCode);
    vars.HARNESS_EXIT_SIGNAL = context.exit.signal ?? '';
  }
  const env = { ...base };
  // A harness started from inside a session (or a hook) must not pass that one's identity on.
  for (const name of INHERITED_IDENTITY) delete env[name];
  return { ...env, ...vars };
}

const INHERITED_IDENTITY = [
  'HARNESS_ISSUE_ID',
  'HARNESS_ISSUE_TITLE',
  'HARNESS_ISSUE_BODY',
  'HARNESS_ISSUE_FILE',
  'HARNESS_SESSION_ID',
  'HARNESS_WORKER_ID',
  'HARNESS_ATTEMPT',
  'HARNESS_HEARTBEAT_FILE',
  'HARNESS_AGENT_RESUME_ID',
  'HARNESS_EXIT_CODE',
  'HARNESS_EXIT_SIGNAL',
] as const;
