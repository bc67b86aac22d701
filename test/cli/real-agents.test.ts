/**
 * `harness run` with the real claude and codex CLIs (the pinned
 * devDependencies) against scripted stand-ins for their model APIs on
 * 127.0.0.1: the presets, the runner reading their event streams, the
 * reducer's verdicts and holds, and what `harness metrics` then reports.
 * HOME and CODEX_HOME are temp dirs and every other request goes to a
 * closed port; no process outlives a test.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { AnthropicStandIn, type AnthropicStep } from '../helpers/anthropic-stand-in.js';
import { guardProcesses, makeIO, tempDir, writeIssues, type TestIO } from '../helpers/cli.js';
import { ResponsesStandIn, type ResponsesStep } from '../helpers/openai-stand-in.js';
import { BIN_DIR, haveClaude, haveCodex, NO_NETWORK } from '../helpers/real-cli.js';

const TEST_BOUND_MS = 90_000;
const FAST = ['--min-workers', '1', '--max-workers', '1', '--health-interval', '300ms', '--cooldown', '300ms', '--retry-delay', '100ms', '--kill-grace', '2s'];

const { cleanups, markers } = guardProcesses();
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Project {
  dir: string;
  issues: string;
  t: TestIO;
  run(args: string[]): Promise<number>;
  metrics(args?: string[]): Promise<Record<string, unknown>>;
}

function project(issues: object[], env: Record<string, string>, options: { git?: boolean } = {}): Project {
  const tmp = tempDir('harness-real-');
  cleanups.push(tmp.cleanup);
  const home = join(tmp.dir, 'home');
  const dir = join(tmp.dir, 'project');
  execFileSync('mkdir', ['-p', home, dir]);
  if (options.git) {
    const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args]);
    git('init', '-q', '-b', 'main');
    git('config', 'user.name', 'Agent');
    git('config', 'user.email', 'agent@example.com');
    git('commit', '-q', '--allow-empty', '-m', 'Start');
  }
  const file = writeIssues(tmp.dir, issues);
  const t = makeIO(dir, {
    // The CLIs installed as devDependencies, found as a user's would be: on PATH.
    PATH: `${BIN_DIR}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: home,
    ...NO_NETWORK,
    ...env,
  });
  markers.push(t.marker);
  return {
    dir,
    issues: file,
    t,
    run: (args) => main(['run', '--issues', file, ...args], t.io),
    async metrics(args = []) {
      const m = makeIO(dir, { HOME: home });
      expect(await main(['metrics', '--json', ...args], m.io)).toBe(0);
      return JSON.parse(m.stdout()) as Record<string, unknown>;
    },
  };
}

async function claudeProject(script: AnthropicStep[], issues: object[], options: { fallback?: AnthropicStep; env?: Record<string, string>; git?: boolean } = {}) {
  const standIn = await AnthropicStandIn.start(script, options.fallback);
  servers.push(standIn);
  const p = project(
    issues,
    {
      ANTHROPIC_BASE_URL: standIn.baseUrl,
      ANTHROPIC_API_KEY: 'sk-ant-test-key',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_ERROR_REPORTING: '1',
      DISABLE_TELEMETRY: '1',
      // Root may skip permission checks only on a machine that says it is a sandbox.
      IS_SANDBOX: '1',
      ...options.env,
    },
    { git: options.git ?? false },
  );
  return { standIn, ...p };
}

const issue = (id: string, title = `Fix ${id}`) => ({ id, title, body: `The ${id} widget is broken.` });

interface Summary {
  exitCode: number;
  issues: Record<string, number>;
  sessions: Record<string, number>;
  failures: { id: string; reason: string }[];
  holds: { kind: string; reason: string; fix: string }[];
  spent: { costUsd: number; inputTokens: number; outputTokens: number };
}
const summaryOf = (t: TestIO): Summary => JSON.parse(t.stdout()) as Summary;

describe.skipIf(!haveClaude)('harness run --agent claude (the default) against a stand-in Messages API', () => {
  it(
    'a session that edits and commits through a Bash tool call in its worktree, and lands',
    async () => {
      const p = await claudeProject(
        [{ bash: 'echo fixed > widget.txt && git add widget.txt && git commit -q -m "Fix the widget"', usage: { input_tokens: 1000, output_tokens: 40 } }, { text: 'Committed the fix.', usage: { input_tokens: 1200, output_tokens: 10 } }],
        [issue('W-1')],
        { git: true },
      );
      const code = await p.run(['--worktrees', '--json', ...FAST]);
      expect(code, p.t.stderr()).toBe(0);
      expect(execFileSync('git', ['-C', p.dir, 'log', '-1', '--format=%s', 'main'], { encoding: 'utf8' })).toMatch(/Fix the widget/);
      expect(execFileSync('git', ['-C', p.dir, 'show', 'main:widget.txt'], { encoding: 'utf8' })).toBe('fixed\n');
      // The command's output went back to the API as its tool result.
      expect(p.standIn.messageRequests).toHaveLength(2);
      const summary = summaryOf(p.t);
      expect(summary.issues.done).toBe(1);
      expect(summary.spent.inputTokens).toBe(2200);
      expect(summary.spent.outputTokens).toBe(50);
      expect(summary.spent.costUsd).toBeGreaterThan(0);
    },
    TEST_BOUND_MS,
  );

  it(
    'an API 400 (is_error in the result) fails the issue with the reason',
    async () => {
      const p = await claudeProject([], [issue('B-1')], { fallback: { status: 400, message: 'messages: roles must alternate' } });
      const code = await p.run(['--json', '--max-attempts', '1', ...FAST]);
      expect(code).toBe(1);
      const [failure] = summaryOf(p.t).failures;
      expect(failure?.reason).toMatch(/request refused by the API \(400\).*messages: roles must alternate/);
      const report = await p.metrics(['--issue', 'B-1']);
      expect(report).toMatchObject({ status: 'failed', sessions: [{ outcome: 'failure' }] });
    },
    TEST_BOUND_MS,
  );

  it(
    'a 401 holds the fleet: exit 3 with what to fix, the attempt not spent, the issue still queued',
    async () => {
      const p = await claudeProject([], [issue('C-1'), issue('C-2')], { fallback: { status: 401, message: 'invalid x-api-key' }, env: { CLAUDE_CODE_MAX_RETRIES: '1' } });
      const code = await p.run(['--json', ...FAST]);
      expect(code).toBe(3);
      const summary = summaryOf(p.t);
      expect(summary.holds).toEqual([expect.objectContaining({ kind: 'auth', fix: expect.stringMatching(/check the agent's credentials/) })]);
      expect(summary.issues).toMatchObject({ queued: 2, failed: 0, done: 0 });
      // One session met it; the other issue never started.
      expect(summary.sessions.held).toBe(1);
      expect(p.t.stderr()).toMatch(/⏸ fleet on hold \(auth\): authentication failed \(401\)/);
      expect(p.t.stderr()).toMatch(/held with work left/);
      const attempts = (await p.metrics(['--issue', 'C-1'])) as { attempts: number; status: string };
      expect([attempts.status, attempts.attempts]).toEqual(['queued', 0]);
      const metrics = await p.metrics();
      expect(metrics.holds).toEqual([expect.objectContaining({ kind: 'auth', endedAt: null })]);
    },
    TEST_BOUND_MS,
  );

  it(
    'a 429 the agent retries lowers the concurrency, and the session then succeeds',
    async () => {
      const p = await claudeProject([{ status: 429, headers: { 'retry-after': '1' } }, { text: 'Done after waiting.' }], [issue('D-1')]);
      const code = await p.run(['--min-workers', '1', '--max-workers', '2', '--health-interval', '300ms', '--cooldown', '300ms']);
      expect(code, p.t.stderr()).toBe(0);
      expect(p.t.stdout()).toMatch(/▼ concurrency 2 → 1: the provider is rate-limiting: halved/);
      expect(p.t.stdout()).toMatch(/D-1 attempt 1 success/);
    },
    TEST_BOUND_MS,
  );

  it(
    'a hanging request is a stall (retries and the session id are not progress); the retry resumes the conversation',
    async () => {
      const p = await claudeProject([{ hang: true }, { text: 'Picked up where I left off.' }], [issue('E-1')]);
      const code = await p.run(['--json', '--stall-timeout', '3s', ...FAST]);
      expect(code, p.t.stderr()).toBe(0);
      const report = (await p.metrics(['--issue', 'E-1'])) as { sessions: { outcome: string; agentSessionId: string | null; logPath: string | null }[] };
      expect(report.sessions.map((s) => s.outcome)).toEqual(['stalled', 'success']);
      const [first, second] = report.sessions;
      expect(first!.agentSessionId).toMatch(/^[0-9a-f-]{36}$/);
      // The second session continued the first one's conversation: claude was given --resume, and the API saw the first prompt again.
      const log = readFileSync(second!.logPath!, 'utf8');
      expect(log).not.toContain('could not resume');
      expect(second!.agentSessionId).toBe(first!.agentSessionId);
      const last = JSON.stringify(p.standIn.messageRequests.at(-1)!.body);
      expect(last.split('The E-1 widget is broken.').length - 1).toBeGreaterThanOrEqual(2);
    },
    TEST_BOUND_MS,
  );

  it(
    "cost and tokens add up in harness metrics --json, in total and per issue",
    async () => {
      const usage = { input_tokens: 1000, output_tokens: 50 };
      const p = await claudeProject([{ text: 'One.', usage }, { text: 'Two.', usage }], [issue('F-1'), issue('F-2')]);
      expect(await p.run(FAST)).toBe(0);
      const metrics = (await p.metrics()) as { totalCostUsd: number; totalInputTokens: number; totalOutputTokens: number };
      expect([metrics.totalInputTokens, metrics.totalOutputTokens]).toEqual([2000, 100]);
      const costs = await Promise.all(['F-1', 'F-2'].map(async (id) => ((await p.metrics(['--issue', id])) as { spentUsd: number }).spentUsd));
      expect(costs.every((c) => c > 0)).toBe(true);
      expect(metrics.totalCostUsd).toBeCloseTo(costs[0]! + costs[1]!, 10);
    },
    TEST_BOUND_MS,
  );

  it.skipIf(process.getuid?.() !== 0)(
    'as root without IS_SANDBOX=1, the refusal is reported before any session starts (exit 2)',
    async () => {
      const p = await claudeProject([], [issue('G-1')], { env: { IS_SANDBOX: '' } });
      expect(await p.run(FAST)).toBe(2);
      expect(p.t.stderr()).toMatch(/no session was started: claude refuses to skip permission checks when run as root.*non-root user.*IS_SANDBOX=1.*another permission mode/s);
      expect(p.standIn.messageRequests).toEqual([]);
    },
    TEST_BOUND_MS,
  );
});

describe.skipIf(!haveCodex)('harness run --agent codex against a stand-in Responses API', () => {
  async function codexProject(script: ResponsesStep[], issues: object[], options: { git?: boolean } = {}) {
    const standIn = await ResponsesStandIn.start(script);
    servers.push(standIn);
    const p = project(issues, { OPENAI_API_KEY: 'sk-test-key' }, options);
    const codexHome = join(p.dir, '..', 'codex-home');
    standIn.writeCodexConfig(codexHome);
    p.t.io.env.CODEX_HOME = codexHome;
    return { standIn, ...p };
  }

  it(
    'a success, its thread id and tokens recorded',
    async () => {
      const p = await codexProject([{ text: 'The widget is fixed.', usage: { input_tokens: 900, cached_input_tokens: 600, output_tokens: 70 } }], [issue('X-1')]);
      const code = await p.run(['--agent', 'codex', '--json', ...FAST]);
      expect(code, p.t.stderr()).toBe(0);
      expect(summaryOf(p.t).spent).toMatchObject({ inputTokens: 300, outputTokens: 70 });
      const report = (await p.metrics(['--issue', 'X-1'])) as { sessions: { outcome: string; agentSessionId: string | null }[] };
      expect(report.sessions).toEqual([expect.objectContaining({ outcome: 'success', agentSessionId: expect.stringMatching(/^[0-9a-f-]{36}$/) })]);
    },
    TEST_BOUND_MS,
  );

  it(
    'in a worktree, a command that commits (the git directory is writable to its sandbox), and lands',
    async () => {
      const p = await codexProject([{ command: 'echo fixed > widget.txt && git add widget.txt && git commit -q -m "Fix the widget"' }, { text: 'Committed.' }], [issue('Y-1')], { git: true });
      const code = await p.run(['--agent', 'codex', '--worktrees', ...FAST]);
      expect(code, p.t.stdout() + p.t.stderr()).toBe(0);
      expect(execFileSync('git', ['-C', p.dir, 'log', '-1', '--format=%s', 'main'], { encoding: 'utf8' })).toMatch(/Fix the widget/);
    },
    TEST_BOUND_MS,
  );
});
