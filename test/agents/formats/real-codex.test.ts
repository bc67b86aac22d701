/**
 * The real Codex CLI (the pinned devDependency) against a scripted stand-in
 * for the Responses API on 127.0.0.1, configured through
 * `$CODEX_HOME/config.toml`, its stdout fed through the parser as it
 * arrives. HOME and CODEX_HOME are temp dirs; nothing leaves the machine.
 *
 * Seen with codex 0.171.0, beyond what its JSONL format is usually said to be
 * (docs/agents.md keeps the full list):
 * - it calls its shell tool `exec_command` (arguments `{"cmd": …}`);
 * - every run starts with an `item.completed` of type `error` ("Model
 *   metadata for `stand-in-model` not found"): a warning, the run goes on;
 * - workspace-write keeps `.git` read-only: `git commit` fails with
 *   "Unable to create '.git/index.lock': Read-only file system" unless the
 *   git directory is also given with `--add-dir`;
 * - `request_max_retries` and `stream_max_retries` in the provider table
 *   bound its reconnecting (the default took about 25 s for a 500);
 * - stderr holds "Reading prompt from stdin..." and a warning that it will
 *   not create helper binaries under /tmp; neither matters.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codexPreset, createParser, decideOutcome, summarise, type AgentEvent, type PresetOptions } from '../../../src/agents/formats/index.js';
import { ResponsesStandIn, type ResponsesStep } from '../../helpers/openai-stand-in.js';
import { CODEX_BIN, CliSandbox, haveCodex, NO_NETWORK, type CliRun } from '../../helpers/real-cli.js';
import { ofType } from './helpers.js';

const RUN_BOUND_MS = 60_000;
const TEST_BOUND_MS = 90_000;

describe.skipIf(!haveCodex)('the real codex CLI against a stand-in API', () => {
  let box: CliSandbox;
  let standIn: ResponsesStandIn | null = null;
  let home: string;

  beforeEach(() => {
    box = new CliSandbox();
    home = box.tempDir('home');
  });
  afterEach(async () => {
    await standIn?.close();
    standIn = null;
    expect(await box.cleanup(), 'codex processes left behind').toEqual([]);
  });

  async function start(script: ResponsesStep[], fallback?: ResponsesStep, retries = 0): Promise<void> {
    standIn = await ResponsesStandIn.start(script, fallback);
    standIn.writeCodexConfig(join(home, '.codex'), { request: retries, stream: retries });
  }

  async function session(preset: PresetOptions, cwd: string, prompt = 'Fix the widget.'): Promise<{ run: CliRun; events: AgentEvent[] }> {
    const parser = createParser('codex-json');
    const events: AgentEvent[] = [];
    const [bin, ...args] = codexPreset.argv({ bin: CODEX_BIN, ...preset });
    const run = await box.run(bin!, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, CODEX_HOME: join(home, '.codex'), OPENAI_API_KEY: 'sk-test-key', ...NO_NETWORK },
      stdin: prompt,
      timeoutMs: RUN_BOUND_MS,
      onStdout: (chunk) => events.push(...parser.push(chunk, Date.now())),
    });
    events.push(...parser.end(Date.now()));
    expect(run.timedOut, `codex ran over ${RUN_BOUND_MS} ms; stderr: ${run.stderr}`).toBe(false);
    return { run, events };
  }

  it(
    'a success outside a git repository: thread id, tokens, and success from turn.completed',
    async () => {
      await start([{ text: 'The widget is fixed.', usage: { input_tokens: 900, cached_input_tokens: 600, output_tokens: 70 } }]);
      const { run, events } = await session({ skipGitRepoCheck: true }, box.tempDir('project'));
      expect(run.exitCode).toBe(0);
      const summary = summarise(events);
      expect(summary.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(summary.tokens).toEqual({ inputTokens: 300, outputTokens: 70, cacheReadTokens: 600, cacheWriteTokens: 0 });
      expect(ofType(events, 'progress').map((p) => `${p.kind} ${p.activity}`)).toEqual(['step turn started', 'message The widget is fixed.']);
      expect(decideOutcome(summary, { exitCode: run.exitCode, signal: run.signal }, 'codex-json')).toMatchObject({ kind: 'success', decidedBy: 'result' });
      // The prompt came from stdin.
      expect(JSON.stringify(standIn!.responseRequests[0]!.body)).toContain('Fix the widget.');
    },
    TEST_BOUND_MS,
  );

  it(
    'a command that commits in a git repository, with the git directory writable',
    async () => {
      const repo = box.tempDir('repo');
      const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' });
      git('init', '-q', '-b', 'main');
      git('config', 'user.name', 'Agent');
      git('config', 'user.email', 'agent@example.com');
      git('commit', '-q', '--allow-empty', '-m', 'Start');
      await start([{ command: 'echo fixed > widget.txt && git add widget.txt && git commit -q -m "Fix the widget"' }, { text: 'Committed the fix.' }]);
      const { run, events } = await session({ writableDirs: [join(repo, '.git')] }, repo);
      expect(run.exitCode).toBe(0);
      expect(git('log', '-1', '--format=%s').trim()).toBe('Fix the widget');
      expect(readFileSync(join(repo, 'widget.txt'), 'utf8')).toBe('fixed\n');
      expect(ofType(events, 'progress').map((p) => p.kind)).toEqual(['step', 'tool_use', 'tool_result', 'message']);
      expect(ofType(events, 'progress')[2]!.activity).toMatch(/\(exit 0\)$/);
    },
    TEST_BOUND_MS,
  );

  it(
    'turn.failed on a 401 is an auth failure from the result',
    async () => {
      await start([], { status: 401, message: 'invalid api key' });
      const { run, events } = await session({ skipGitRepoCheck: true }, box.tempDir('project'));
      expect(run.exitCode).toBe(1);
      expect(ofType(events, 'result')).toEqual([expect.objectContaining({ ok: false, subtype: 'turn.failed', error: 'auth', apiStatus: 401 })]);
      // Judged by the events: the same verdict had codex exited 0.
      for (const exitCode of [run.exitCode, 0]) {
        expect(decideOutcome(events, { exitCode, signal: null }, 'codex-json')).toMatchObject({ kind: 'failure', error: 'auth', decidedBy: 'result' });
      }
    },
    TEST_BOUND_MS,
  );

  it(
    'reconnecting after 500s: retries, not progress, then turn.failed',
    async () => {
      await start([], { status: 500 }, 2);
      const { run, events } = await session({ skipGitRepoCheck: true }, box.tempDir('project'));
      expect(run.exitCode).toBe(1);
      expect(ofType(events, 'retry').map((r) => [r.attempt, r.maxRetries])).toEqual([
        [1, 2],
        [2, 2],
      ]);
      expect(ofType(events, 'progress').map((p) => p.kind)).toEqual(['step']);
      expect(decideOutcome(events, { exitCode: run.exitCode, signal: run.signal }, 'codex-json').kind).toBe('failure');
    },
    TEST_BOUND_MS,
  );

  it(
    'exec resume <thread id> continues the thread: same id, the earlier turn sent again, only the new tokens counted',
    async () => {
      await start([{ text: 'First answer.' }, { text: 'Second answer.' }]);
      const cwd = box.tempDir('project');
      const first = await session({ skipGitRepoCheck: true }, cwd, 'Start the work.');
      const firstSummary = summarise(first.events);
      const second = await session({ skipGitRepoCheck: true, resumeId: firstSummary.sessionId }, cwd, 'Go on.');
      expect(second.run.exitCode).toBe(0);
      const secondSummary = summarise(second.events, { threadBaseline: firstSummary.threadTokens });
      expect(secondSummary.sessionId).toBe(firstSummary.sessionId);
      expect(JSON.stringify(standIn!.responseRequests[1]!.body)).toContain('First answer.');
      expect(JSON.stringify(standIn!.responseRequests[1]!.body)).toContain('Go on.');
      expect(secondSummary.threadTokens!.outputTokens).toBe(2 * firstSummary.threadTokens!.outputTokens);
      expect(secondSummary.tokens).toEqual(firstSummary.tokens);
    },
    TEST_BOUND_MS,
  );
});
