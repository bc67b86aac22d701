/**
 * The real Claude Code CLI (the pinned devDependency) against a scripted
 * stand-in for the Messages API on 127.0.0.1, its stdout fed through the
 * parser chunk by chunk as it arrives. HOME is a temp dir; nothing leaves
 * the machine.
 *
 * Seen with claude 2.1.197, beyond what its stream-json format is usually said to be
 * (docs/agents.md keeps the full list):
 * - it sends `HEAD /` to the base URL before the first `POST /v1/messages?beta=true`
 *   (a connection warm-up: with HTTPS_PROXY set it goes to the proxy despite
 *   NO_PROXY, fails there, and the session works all the same);
 * - the model in `system/init` is the CLI's default ("…[1m]" suffix), the
 *   assistant lines carry the model the API answered with;
 * - `CLAUDE_CODE_MAX_RETRIES` bounds its own retries (10 by default), which
 *   keeps the 401 case to seconds;
 * - a 429 whose body says the workspace's spend limit is reached is retried
 *   like any 429, and `error_code` does not reach the result text: the API's
 *   message is what tells a spend cap apart;
 * - with an API key, no `rate_limit_event` line appears;
 * - on SIGTERM it exits with code 143 rather than dying of the signal.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claudePreset, createParser, decideOutcome, knownRefusals, summarise, type AgentEvent } from '../../../src/agents/formats/index.js';
import { AnthropicStandIn, type AnthropicStep } from '../../helpers/anthropic-stand-in.js';
import { CLAUDE_BIN, CliSandbox, haveClaude, NO_NETWORK, type CliRun } from '../../helpers/real-cli.js';
import { ofType } from './helpers.js';

const RUN_BOUND_MS = 60_000;
const TEST_BOUND_MS = 90_000;

describe.skipIf(!haveClaude)('the real claude CLI against a stand-in API', () => {
  let box: CliSandbox;
  let standIn: AnthropicStandIn | null = null;

  beforeEach(() => {
    box = new CliSandbox();
  });
  afterEach(async () => {
    await standIn?.close();
    standIn = null;
    expect(await box.cleanup(), 'claude processes left behind').toEqual([]);
  });

  interface Session {
    run: CliRun;
    events: AgentEvent[];
  }

  async function session(
    script: AnthropicStep[],
    options: { fallback?: AnthropicStep; env?: Record<string, string>; cwd?: string; argv?: string[]; killWhen?: (s: AnthropicStandIn) => Promise<unknown> } = {},
  ): Promise<Session> {
    standIn = await AnthropicStandIn.start(script, options.fallback);
    const parser = createParser('claude-stream-json');
    const events: AgentEvent[] = [];
    const [bin, ...args] = options.argv ?? claudePreset.argv({ bin: CLAUDE_BIN });
    const run = await box.run(bin!, args, {
      cwd: options.cwd ?? box.tempDir('project'),
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: box.tempDir('home'),
        ANTHROPIC_BASE_URL: standIn.baseUrl,
        ANTHROPIC_API_KEY: 'sk-ant-test-key',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1',
        DISABLE_ERROR_REPORTING: '1',
        DISABLE_TELEMETRY: '1',
        // Anything not bound for the stand-in goes to a closed port.
        ...NO_NETWORK,
        // Root may skip permission checks only on a machine that says it is a sandbox.
        IS_SANDBOX: '1',
        ...options.env,
      },
      stdin: 'Fix the widget.',
      timeoutMs: RUN_BOUND_MS,
      onStdout: (chunk) => events.push(...parser.push(chunk, Date.now())),
      killWhen: options.killWhen?.(standIn),
    });
    events.push(...parser.end(Date.now()));
    expect(run.timedOut, `claude ran over ${RUN_BOUND_MS} ms; stderr: ${run.stderr}`).toBe(false);
    return { run, events };
  }

  it(
    'a plain success: session id, cost and tokens, and success from the result',
    async () => {
      const { run, events } = await session([{ text: 'The widget is fixed.', usage: { input_tokens: 1200, output_tokens: 80, cache_read_input_tokens: 300, cache_creation_input_tokens: 50 } }]);
      expect(run.exitCode).toBe(0);
      const summary = summarise(events);
      expect(summary.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(summary.tokens).toEqual({ inputTokens: 1200, outputTokens: 80, cacheReadTokens: 300, cacheWriteTokens: 50 });
      expect(summary.costUsd).toBeGreaterThan(0);
      expect(ofType(events, 'progress')).toEqual([{ type: 'progress', kind: 'message', activity: 'The widget is fixed.' }]);
      expect(decideOutcome(summary, { exitCode: run.exitCode, signal: run.signal }, 'claude-stream-json')).toMatchObject({ kind: 'success', decidedBy: 'result' });
      expect(standIn!.messageRequests.map((r) => r.url)).toEqual(['/v1/messages?beta=true']);
    },
    TEST_BOUND_MS,
  );

  it(
    'a Bash tool call creates and commits a file in a git repository',
    async () => {
      const repo = box.tempDir('repo');
      const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' });
      git('init', '-q', '-b', 'main');
      git('config', 'user.name', 'Agent');
      git('config', 'user.email', 'agent@example.com');
      git('commit', '-q', '--allow-empty', '-m', 'Start');
      const { run, events } = await session(
        [{ bash: 'echo "fixed" > widget.txt && git add widget.txt && git commit -q -m "Fix the widget" && git log -1 --format=%s' }, { text: 'Committed the fix.' }],
        { cwd: repo },
      );
      expect(run.exitCode).toBe(0);
      expect(git('log', '-1', '--format=%s').trim()).toBe('Fix the widget');
      expect(readFileSync(join(repo, 'widget.txt'), 'utf8')).toBe('fixed\n');
      expect(ofType(events, 'progress').map((p) => p.kind)).toEqual(['tool_use', 'tool_result', 'message']);
      expect(ofType(events, 'progress')[0]!.activity).toMatch(/^Bash: echo "fixed" > widget\.txt/);
      // The command's output went back to the API as the tool result.
      expect(JSON.stringify(standIn!.messageRequests[1]!.body)).toContain('Fix the widget');
      expect(decideOutcome(events, { exitCode: run.exitCode, signal: run.signal }, 'claude-stream-json').kind).toBe('success');
    },
    TEST_BOUND_MS,
  );

  it(
    'an API 400 is a failure from the result (is_error), with its status',
    async () => {
      const { run, events } = await session([{ status: 400, message: 'messages: roles must alternate' }]);
      expect(run.exitCode).toBe(1);
      expect(ofType(events, 'progress')).toEqual([]);
      const outcome = decideOutcome(events, { exitCode: run.exitCode, signal: run.signal }, 'claude-stream-json');
      expect(outcome).toMatchObject({ kind: 'failure', error: 'invalid_request', apiStatus: 400, decidedBy: 'result' });
      expect(outcome.reason).toContain('messages: roles must alternate');
    },
    TEST_BOUND_MS,
  );

  it(
    'a 401 on every attempt: retries that are not progress, then an auth failure',
    async () => {
      const { run, events } = await session([], { fallback: { status: 401, message: 'invalid x-api-key' }, env: { CLAUDE_CODE_MAX_RETRIES: '2' } });
      expect(run.exitCode).toBe(1);
      expect(ofType(events, 'retry').map((r) => [r.status, r.error])).toEqual([
        [401, 'auth'],
        [401, 'auth'],
      ]);
      expect(ofType(events, 'progress')).toEqual([]);
      expect(decideOutcome(events, { exitCode: run.exitCode, signal: run.signal }, 'claude-stream-json')).toMatchObject({ kind: 'failure', error: 'auth', apiStatus: 401 });
    },
    TEST_BOUND_MS,
  );

  it(
    'a 429 with retry-after, then success: the retry is no progress, the session succeeds',
    async () => {
      const { run, events } = await session([{ status: 429, headers: { 'retry-after': '1' } }, { text: 'Done after waiting.' }]);
      expect(run.exitCode).toBe(0);
      expect(ofType(events, 'retry')).toEqual([expect.objectContaining({ status: 429, error: 'rate_limited', delayMs: 1000 })]);
      expect(ofType(events, 'progress')).toEqual([{ type: 'progress', kind: 'message', activity: 'Done after waiting.' }]);
      expect(events.findIndex((e) => e.type === 'retry')).toBeLessThan(events.findIndex((e) => e.type === 'progress'));
      expect(decideOutcome(events, { exitCode: run.exitCode, signal: run.signal }, 'claude-stream-json').kind).toBe('success');
    },
    TEST_BOUND_MS,
  );

  it(
    'a hanging request: no progress at all until the session is killed',
    async () => {
      const { run, events } = await session([{ hang: true }], { killWhen: (s) => s.server.received((r) => r.url.startsWith('/v1/messages')) });
      // claude handles SIGTERM and exits 128 + 15.
      expect([run.exitCode, run.signal]).toEqual([143, null]);
      expect(ofType(events, 'session')).toHaveLength(1);
      expect(ofType(events, 'progress')).toEqual([]);
      expect(decideOutcome(events, { exitCode: run.exitCode, signal: run.signal }, 'claude-stream-json')).toMatchObject({
        kind: 'failure',
        decidedBy: 'exit',
        reason: 'exited with code 143 without a result event',
      });
    },
    TEST_BOUND_MS,
  );

  it.skipIf(process.getuid?.() !== 0)(
    'as root without IS_SANDBOX=1 the preflight reports the refusal that claude then makes',
    async () => {
      const argv = claudePreset.argv({ bin: CLAUDE_BIN });
      const env = { PATH: process.env.PATH ?? '' };
      expect(knownRefusals(argv, env, 0).map((p) => p.code)).toEqual(['root-bypass-refused']);
      const { run, events } = await session([{ text: 'never asked' }], { env: { IS_SANDBOX: '' } });
      expect(run.exitCode).toBe(1);
      expect(run.stderr + run.stdout.toString()).toContain('cannot be used with root/sudo privileges');
      expect(standIn!.messageRequests).toEqual([]);
      expect(decideOutcome(events, { exitCode: run.exitCode, signal: run.signal }, 'claude-stream-json').kind).toBe('failure');
    },
    TEST_BOUND_MS,
  );
});
