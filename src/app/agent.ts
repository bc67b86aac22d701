/**
 * The agent of a run, made ready before the fleet starts: a preset's binary
 * found and run once (`--version`), known refusals reported (exit 2, before
 * any session), Codex given its repository's git directory to write (so
 * its agent can commit), and the argv each session gets. A command line is
 * resolved as it always was, and checked for the same refusals.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AgentFormat } from '../agents/formats/events.js';
import { knownRefusals, preflight, type PreflightProblem, type VersionProbe } from '../agents/formats/preflight.js';
import { agentInvocation, presetOfCommand, type AgentInvocation, type SessionArgs } from '../agents/invocation.js';
import { resolveAgentCommand } from '../agents/resolve-command.js';
import { createAgentRunner, LauncherRunner } from '../agents/launcher/runner.js';
import type { SessionRunner } from '../agents/types.js';
import type { HarnessConfig } from '../config/types.js';
import { realClock } from '../runtime/clock.js';
import { UsageError } from '../errors.js';

/** The agent cannot work here: every session would fail the same way. Exit 2, before any session starts. */
export class AgentPreflightError extends UsageError {}

export interface PreparedAgent {
  invocation: AgentInvocation;
  /** The output format the runner reads (`text`: none). */
  format: AgentFormat;
  /** A fresh session's argv, behind the worktree setup script when there is one. */
  command: string[];
  /** Each session's argv (a preset's resume id and budget); absent for a command line, which is the same for every session. */
  argvFor?: (session: SessionArgs) => string[];
  /** The first line `--version` printed (presets only). */
  version: string | null;
}

export interface AgentContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Where the sessions work: the project, or (worktree mode) the repository the worktrees belong to. */
  workDir: string;
  /** Runs `<bin> --version`; the real one by default. */
  probe?: VersionProbe;
  /** The user agents run as; default this process's. */
  uid?: number | null;
}

export async function prepareAgent(config: HarnessConfig, context: AgentContext): Promise<PreparedAgent> {
  const { agent } = config;
  const uid = context.uid !== undefined ? context.uid : (process.getuid?.() ?? null);
  const setup = config.workspace.mode !== 'shared' ? config.workspace.setup : null;
  // Loaded only when needed: a run's start-up is on the clock until its first agent starts.
  const withSetup = setup ? (await import('../workspace/bootstrap.js')).withSetup : (_: unknown, argv: readonly string[]) => [...argv];
  const preset = presetOfCommand(agent.command);
  if (!preset) {
    // Resolved once, from where harness was started: sessions may run elsewhere (worktrees).
    const command = resolveAgentCommand(agent.command, context);
    refuse(knownRefusals(command, context.env, uid));
    const invocation = agentInvocation({ ...agent, command });
    return { invocation, format: invocation.format, command: withSetup(setup, command), version: null };
  }

  const given = agent.bin ?? preset.bin;
  const argv = agentInvocation(agent, { bin: given }).baseArgv;
  const report = await preflight({ argv, preset, env: context.env, uid, probe: context.probe ?? (await import('../agents/formats/probe.js')).spawnVersionProbe({ env: context.env, cwd: context.cwd }) });
  // The preset's refusals whatever its binary is called (agent.bin may name a wrapper or another path).
  const asNamed = knownRefusals([preset.bin, ...argv.slice(1)], context.env, uid).filter((p) => !report.problems.some((q) => q.code === p.code));
  refuse([...report.problems, ...asNamed]);
  const [bin] = resolveAgentCommand([given], context);
  const invocation = agentInvocation(agent, { ...(bin ? { bin } : {}), ...(preset.name === 'codex' ? await codexRepository(context) : {}) });
  return {
    invocation,
    format: invocation.format,
    command: withSetup(setup, invocation.baseArgv),
    argvFor: (session) => withSetup(setup, invocation.argv(session)),
    version: report.version,
  };
}

/**
 * Codex's workspace-write sandbox keeps `.git` read-only, so its agent
 * could not commit: the repository's git directory (for a worktree, the
 * main repository's) is made writable too. Outside a repository codex
 * refuses to run unless told to skip that check.
 */
async function codexRepository(context: AgentContext): Promise<{ writableDirs?: string[]; skipGitRepoCheck?: boolean; sessionDirs?: (cwd: string) => string[] }> {
  const { runProgram } = await import('../git/run.js');
  const out = await runProgram('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: context.workDir, env: context.env });
  const dir = out.stdout.trim();
  if (out.code !== 0 || dir === '') return { skipGitRepoCheck: true };
  // A worktree's own git directory (`.git/worktrees/<name>`) stays read-only to codex even inside a writable one: it is named too.
  return { writableDirs: [dir], sessionDirs: (cwd) => worktreeGitDir(cwd, dir) };
}

/** The git directory a worktree's `.git` file points to, when it is not the common one; read directly, as a session starts. */
export function worktreeGitDir(cwd: string, commonDir: string): string[] {
  let text: string;
  try {
    text = readFileSync(join(cwd, '.git'), 'utf8');
  } catch {
    return [];
  }
  const found = /^gitdir: (.+)$/m.exec(text)?.[1]?.trim();
  if (!found) return [];
  const gitDir = resolve(cwd, found);
  return gitDir === commonDir ? [] : [gitDir];
}

function refuse(problems: readonly PreflightProblem[]): void {
  if (problems.length === 0) return;
  const lines = problems.map((p) =>
    p.code === 'root-bypass-refused' ? `${p.message} In harness the permission mode is agent.permissionMode (HARNESS_AGENT_PERMISSION_MODE).` : p.message,
  );
  throw new AgentPreflightError(
    problems.length === 1 ? `the agent cannot run, so no session was started: ${lines[0]}` : `the agent cannot run, so no session was started:\n${lines.map((l) => `  - ${l}`).join('\n')}`,
  );
}

/**
 * The session runner of a run: the native launcher when it is built and
 * runs here, else agents started from this process (and `say` tells why
 * that costs more, unless `quiet`). `deliver` commits the events that
 * arrive together as one group.
 */
export function sessionRunner(
  config: HarnessConfig,
  agent: PreparedAgent,
  context: { heartbeatDir: string; env: NodeJS.ProcessEnv; quiet: boolean; say(text: string): void; deliver(events: () => void): void },
): SessionRunner {
  const runner = createAgentRunner({
    command: agent.command,
    format: agent.format,
    ...(agent.argvFor ? { argvFor: agent.argvFor } : {}),
    promptTemplate: config.agent.prompt,
    clock: realClock,
    killGraceMs: config.killGraceMs,
    logMaxBytes: config.logMaxBytes,
    heartbeatDir: context.heartbeatDir,
    env: context.env,
    deliver: context.deliver,
  });
  if (!(runner instanceof LauncherRunner) && !context.quiet) {
    context.say('note: the session launcher is not built or does not run here (a C compiler and `npm run build` make it); agents start from the harness process, which costs more per session\n');
  }
  return runner;
}
