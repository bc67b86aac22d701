import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/agents/formats/events.js';
import type { SessionArgs } from '../../src/agents/invocation.js';
import { Sandbox, fixture } from './helpers.js';

const SESSION = 'c0ffee00-1111-2222-3333-444455556666';
const init = { type: 'system', subtype: 'init', session_id: SESSION, model: 'claude-stand-in' };
const retry = { type: 'system', subtype: 'api_retry', attempt: 1, max_retries: 10, retry_delay_ms: 500, error_status: 429, error: 'rate_limit' };
const text = (words: string, sessionId = SESSION) => ({ type: 'assistant', session_id: sessionId, message: { model: 'claude-stand-in', content: [{ type: 'text', text: words }] } });
const success = {
  type: 'result',
  subtype: 'success',
  is_error: false,
  num_turns: 1,
  session_id: SESSION,
  total_cost_usd: 0.0123,
  usage: { input_tokens: 100, output_tokens: 20, cache_read_input_tokens: 5, cache_creation_input_tokens: 1 },
  result: 'Fixed.',
};

type Step = { out: unknown } | { err: string } | { sleep: number };

const types = (events: readonly AgentEvent[]) => events.map((e) => e.type);

describe.each(['in-process', 'launcher'] as const)('%s runner, structured output', (kind) => {
  let sandbox: Sandbox;
  beforeEach(() => {
    sandbox = new Sandbox(kind);
  });
  afterEach(() => sandbox.cleanup());

  const agent = (script: Step[], extra: { env?: Record<string, string>; argvFor?: (s: SessionArgs) => string[]; lineMaxBytes?: number } = {}) =>
    sandbox.runner({
      command: fixture('stream-json.mjs'),
      format: 'claude-stream-json',
      env: { ...process.env, FIXTURE_SCRIPT: JSON.stringify(script), FIXTURE_ARGV: join(sandbox.dir, 'argv.jsonl'), ...extra.env },
      ...(extra.argvFor ? { argvFor: extra.argvFor } : {}),
      ...(extra.lineMaxBytes ? { lineMaxBytes: extra.lineMaxBytes } : {}),
    });
  const argvSeen = (): string[][] => readFileSync(join(sandbox.dir, 'argv.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]);

  it("parses stdout into the agent's events as they come; its work is progress, and the log keeps every byte", async () => {
    const session = sandbox.start(agent([{ out: init }, { out: retry }, { out: text('Looking at the widget.') }, { out: success }]));
    expect(await session.exited).toEqual({ exitCode: 0, signal: null });
    expect(types(session.agentEvents)).toEqual(['session', 'retry', 'progress', 'usage', 'result']);
    expect(session.agentEvents.find((e) => e.type === 'result')).toMatchObject({ ok: true, numTurns: 1, costUsd: 0.0123 });
    expect(session.progress.length).toBeGreaterThanOrEqual(1);
    expect(sandbox.log(session)).toContain('"subtype":"api_retry"');
  });

  it('an agent that only retries makes no progress, however much it prints', async () => {
    const session = sandbox.start(agent([{ out: init }, { out: retry }, { sleep: 300 }, { out: retry }, { sleep: 300 }, { out: retry }], { env: { FIXTURE_EXIT: '1' } }));
    expect(await session.exited).toEqual({ exitCode: 1, signal: null });
    expect(types(session.agentEvents)).toEqual(['session', 'retry', 'retry', 'retry']);
    expect(session.progress).toEqual([]);
  });

  it('stderr goes to the log only: neither parsed nor progress', async () => {
    const session = sandbox.start(agent([{ err: `${JSON.stringify(text('on stderr'))}\nplain words on stderr\n` }, { sleep: 200 }]));
    expect(await session.exited).toEqual({ exitCode: 0, signal: null });
    expect(session.agentEvents).toEqual([]);
    expect(session.progress).toEqual([]);
    expect(sandbox.log(session)).toContain('plain words on stderr');
  });

  it('reads a last line that has no line break, and lines split across writes', async () => {
    const line = JSON.stringify(success);
    const session = sandbox.start(agent([{ out: `${JSON.stringify(init).slice(0, 20)}` }, { sleep: 100 }, { out: `${JSON.stringify(init).slice(20)}\n` }, { out: line }]));
    expect(await session.exited).toEqual({ exitCode: 0, signal: null });
    expect(types(session.agentEvents)).toEqual(['session', 'usage', 'result']);
  });

  it('gives each session its own argv: the conversation it resumes and the budget it has left', async () => {
    const argvFor = (s: SessionArgs) => [...fixture('stream-json.mjs'), ...(s.resumeFrom ? ['--resume', s.resumeFrom] : []), ...(s.budgetUsd != null ? ['--max-budget-usd', String(s.budgetUsd)] : [])];
    const runner = agent([{ out: init }, { out: text('Resumed.') }, { out: success }], { argvFor });
    const session = sandbox.start(runner, { resumeFrom: SESSION, budgetUsd: 1.5 });
    expect(await session.exited).toEqual({ exitCode: 0, signal: null });
    expect(argvSeen()).toEqual([['--resume', SESSION, '--max-budget-usd', '1.5']]);
    // A resume that works is reported whole, as if nothing had been held back.
    expect(types(session.agentEvents)).toEqual(['session', 'progress', 'usage', 'result']);
    expect(session.pids).toHaveLength(1);
  });

  it('a resume the agent refuses at once starts the session over without it, once, and says so in its log', async () => {
    const argvFor = (s: SessionArgs) => [...fixture('stream-json.mjs'), ...(s.resumeFrom ? ['--resume', s.resumeFrom] : [])];
    const runner = agent([{ out: { ...init, session_id: 'fresh-1' } }, { out: text('Starting over.', 'fresh-1') }, { out: { ...success, session_id: 'fresh-1' } }], {
      argvFor,
      env: { FIXTURE_UNKNOWN_RESUME: '1' },
    });
    const session = sandbox.start(runner, { resumeFrom: 'gone-42' });
    expect(await session.exited).toEqual({ exitCode: 0, signal: null });
    expect(session.exitCount()).toBe(1);
    expect(argvSeen()).toEqual([['--resume', 'gone-42'], []]);
    expect(session.pids).toHaveLength(2);
    // Nothing of the refused run reaches the coordinator: not its failed result, not the id it echoed.
    expect(session.agentEvents.filter((e) => e.type === 'result')).toEqual([expect.objectContaining({ ok: true })]);
    expect(session.agentEvents.filter((e) => e.type === 'session').map((e) => (e as { sessionId: string }).sessionId)).toEqual(['fresh-1']);
    expect(sandbox.log(session)).toContain('[harness] the agent could not resume conversation gone-42 (No conversation found with session ID: gone-42); starting this session over without it');
  });

  it('a failure of a resumed session after it did some work is its own: not started over', async () => {
    const argvFor = (s: SessionArgs) => [...fixture('stream-json.mjs'), ...(s.resumeFrom ? ['--resume', s.resumeFrom] : [])];
    const runner = agent([{ out: init }, { out: text('Working.') }, { err: 'No conversation found with session ID: x\n' }], { argvFor, env: { FIXTURE_EXIT: '1' } });
    const session = sandbox.start(runner, { resumeFrom: SESSION });
    expect(await session.exited).toEqual({ exitCode: 1, signal: null });
    expect(session.pids).toHaveLength(1);
  });

  it('a resuming session stopped by the harness is not started over', async () => {
    const argvFor = (s: SessionArgs) => [...fixture('stream-json.mjs'), ...(s.resumeFrom ? ['--resume', s.resumeFrom] : [])];
    const runner = agent([{ err: 'No conversation found with session ID: x\n' }, { sleep: 60_000 }], { argvFor });
    const session = sandbox.start(runner, { resumeFrom: SESSION });
    await session.spawned;
    session.handle.kill();
    expect((await session.exited).signal).toBe('SIGTERM');
    expect(session.pids).toHaveLength(1);
    expect(existsSync(session.spec.logPath!) ? sandbox.log(session) : '').not.toContain('starting this session over');
  });

  it.runIf(kind === 'launcher')('a stdout line longer than the launcher sends whole is progress, reported by its size', async () => {
    const big = JSON.stringify(text('x'.repeat(5000)));
    const session = sandbox.start(agent([{ out: init }, { out: `${big}\n` }, { out: success }], { lineMaxBytes: 1000 }));
    expect(await session.exited).toEqual({ exitCode: 0, signal: null });
    expect(session.agentEvents.map((e) => (e.type === 'progress' ? e.activity : e.type))).toEqual([
      'session',
      `output line of ${Buffer.byteLength(big)} bytes skipped: longer than 1000 bytes`,
      'usage',
      'result',
    ]);
  });
});
