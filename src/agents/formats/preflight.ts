/**
 * Checks before the fleet starts, so that a preset that cannot work fails
 * once with a message instead of once per issue: the binary is there and
 * runs (`<bin> --version`), and no known refusal applies. Running the
 * binary is injected; the decisions are pure.
 */
import { basename } from 'node:path';
import type { AgentPreset } from './presets.js';

/** What running `<bin> --version` gave. */
export type VersionProbeResult =
  | { kind: 'ran'; exitCode: number | null; signal: string | null; stdout: string; stderr: string }
  | { kind: 'not-found' }
  | { kind: 'timeout'; afterMs: number }
  | { kind: 'failed'; message: string };

/** Runs an argv without a shell and reports how it went. */
export type VersionProbe = (argv: readonly string[]) => Promise<VersionProbeResult>;

export const PREFLIGHT_PROBLEMS = ['missing-binary', 'binary-failed', 'root-bypass-refused'] as const;
export type PreflightProblemCode = (typeof PREFLIGHT_PROBLEMS)[number];

export interface PreflightProblem {
  code: PreflightProblemCode;
  /** What is wrong and how to fix it, in one paragraph. */
  message: string;
}

export interface PreflightReport {
  ok: boolean;
  /** The first line `--version` printed, when it ran. */
  version: string | null;
  problems: PreflightProblem[];
}

export interface PreflightInput {
  /** The command line sessions will run (a preset's argv, or a custom one). */
  argv: readonly string[];
  /** The preset it came from, for install hints; null for a custom command line. */
  preset: AgentPreset | null;
  /** The environment the agents will get. */
  env: Readonly<Record<string, string | undefined>>;
  /** The user id agents will run as (process.getuid()), or null where there is none. */
  uid: number | null;
  probe: VersionProbe;
}

export async function preflight(input: PreflightInput): Promise<PreflightReport> {
  const problems = knownRefusals(input.argv, input.env, input.uid);
  const bin = input.argv[0];
  let version: string | null = null;
  if (bin !== undefined) {
    const outcome = await input.probe([bin, '--version']);
    const problem = versionProblem(bin, input.preset, outcome);
    if (problem) problems.unshift(problem);
    else if (outcome.kind === 'ran') version = firstLine(outcome.stdout) || firstLine(outcome.stderr) || null;
  }
  return { ok: problems.length === 0, version, problems };
}

/** What a `--version` run says about the binary; null when it ran and exited 0. */
export function versionProblem(bin: string, preset: AgentPreset | null, outcome: VersionProbeResult): PreflightProblem | null {
  const install = preset ? ` Install it (${preset.install})` : ' Install it';
  switch (outcome.kind) {
    case 'not-found':
      return {
        code: 'missing-binary',
        message: `${bin} was not found${bin.includes('/') ? '' : ' on PATH'}.${install}, or give the path to the binary.`,
      };
    case 'timeout':
      return { code: 'binary-failed', message: `${bin} --version did not finish within ${Math.round(outcome.afterMs / 1000)} s: check that ${bin} is the agent's CLI and runs here.` };
    case 'failed':
      return { code: 'binary-failed', message: `${bin} --version could not be run: ${outcome.message}.` };
    case 'ran': {
      if (outcome.exitCode === 0) return null;
      const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with code ${outcome.exitCode}`;
      const said = firstLine(outcome.stderr) || firstLine(outcome.stdout);
      return { code: 'binary-failed', message: `${bin} --version ${how}${said ? `: ${said}` : ''}. Check that ${bin} is installed completely and runs on this machine.` };
    }
  }
}

/**
 * Refusals known to fail every session, found from the command line alone.
 * Claude Code, run as root, exits 1 on `--permission-mode bypassPermissions`
 * or `--dangerously-skip-permissions` ("cannot be used with root/sudo
 * privileges for security reasons") unless IS_SANDBOX=1 (exactly "1":
 * "yes" or "true" are refused too, checked with claude 2.1.197).
 */
export function knownRefusals(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, uid: number | null): PreflightProblem[] {
  const problems: PreflightProblem[] = [];
  const bin = argv[0];
  if (bin === undefined || uid !== 0 || env.IS_SANDBOX === '1') return problems;
  if (!/^claude(?:\.exe)?$/.test(basename(bin))) return problems;
  const bypass = argv.some(
    (arg, i) =>
      arg === '--dangerously-skip-permissions' ||
      arg === '--permission-mode=bypassPermissions' ||
      (arg === '--permission-mode' && argv[i + 1] === 'bypassPermissions'),
  );
  if (bypass) {
    problems.push({
      code: 'root-bypass-refused',
      message:
        'claude refuses to skip permission checks when run as root (--permission-mode bypassPermissions exits 1 with ' +
        '"--dangerously-skip-permissions cannot be used with root/sudo privileges"), so every session would fail. ' +
        'Run harness as a non-root user; or, on a sandboxed machine (a container or VM you can throw away), set IS_SANDBOX=1; ' +
        'or choose another permission mode (for example acceptEdits, with --allowedTools for the commands the agent needs).',
    });
  }
  return problems;
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.trim().replace(/[\u0000-\u001f\u007f-\u009f]/g, '').slice(0, 200);
}
