import type { SessionSpec } from './types.js';

/**
 * Largest value, in UTF-8 bytes, put in one HARNESS_* variable. Linux refuses
 * to exec a program when a single environment string exceeds 128 KiB
 * (MAX_ARG_STRLEN), so a long issue body would stop the agent from starting
 * at all; the whole issue is always in HARNESS_ISSUE_FILE.
 */
export const MAX_ENV_VALUE_BYTES = 32 * 1024;

/** The files a session shares with its agent. */
export interface SessionFiles {
  /** JSON file holding the whole issue row. */
  issueFile: string;
  /** File the agent may touch to show it is alive without printing anything. */
  heartbeatFile: string;
}

/**
 * Make a string safe as an environment value: NUL bytes cannot be passed to
 * exec (Node refuses them), and over-long values are cut on a character
 * boundary.
 */
export function toEnvValue(text: string, maxBytes = MAX_ENV_VALUE_BYTES): string {
  const clean = text.includes('\0') ? text.replaceAll('\0', '') : text;
  if (Buffer.byteLength(clean, 'utf8') <= maxBytes) return clean;
  // Decoding a cut buffer leaves at most one replacement character where a
  // multi-byte character was split; drop it.
  return Buffer.from(clean, 'utf8').subarray(0, maxBytes).toString('utf8').replace(/\uFFFD$/, '');
}

/**
 * The HARNESS_* variables that describe a session to its agent. With stdin,
 * they are the only ways issue text reaches the agent; it never passes
 * through a shell.
 */
export function sessionEnvVars(spec: SessionSpec, files: SessionFiles): Record<string, string> {
  const vars: Record<string, string> = {
    HARNESS_ISSUE_ID: toEnvValue(spec.issue.id),
    HARNESS_ISSUE_TITLE: toEnvValue(spec.issue.title),
    HARNESS_ISSUE_BODY: toEnvValue(spec.issue.body),
    HARNESS_ISSUE_FILE: files.issueFile,
    HARNESS_WORKER_ID: toEnvValue(spec.workerId),
    HARNESS_SESSION_ID: toEnvValue(spec.sessionId),
    HARNESS_ATTEMPT: String(spec.attempt),
    HARNESS_HEARTBEAT_FILE: files.heartbeatFile,
  };
  // The conversation to continue, for a wrapper script that passes it on (presets get it on their command line).
  if (spec.resumeFrom) vars.HARNESS_AGENT_RESUME_ID = toEnvValue(spec.resumeFrom);
  return vars;
}

/** The environment of an agent process: the base environment plus the session's HARNESS_* variables. */
export function buildSessionEnv(base: NodeJS.ProcessEnv, spec: SessionSpec, files: SessionFiles): NodeJS.ProcessEnv {
  return { ...base, ...sessionEnvVars(spec, files) };
}
