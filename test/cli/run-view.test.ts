import { clearLine, clearScreenDown, cursorTo, moveCursor } from 'node:readline';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createRunView, type RunViewOptions } from '../../src/cli/render/run-view.js';
import { EventBus } from '../../src/core/events.js';
import type { ScaleMetrics } from '../../src/core/metrics-types.js';
import type { RunSummary } from '../../src/runtime/coordinator-types.js';
import { main } from '../../src/cli/main.js';
import { makeIO, waitFor } from '../helpers/cli.js';
import { makeStore, recordSessions } from '../metrics/helpers.js';

// ora colours its spinner through chalk's own detection, which ignores NO_COLOR; force
// colour on for this file so that only the view's own choice can turn it off.
const forced = vi.hoisted(() => {
  const before = process.env.FORCE_COLOR;
  process.env.FORCE_COLOR = '1';
  return before;
});
afterAll(() => {
  if (forced === undefined) delete process.env.FORCE_COLOR;
  else process.env.FORCE_COLOR = forced;
});

/** Figures wide enough that the one-row table needs about 160 columns. */
const METRICS: ScaleMetrics = {
  timestamp: 0, currentWorkers: 30, activeWorkers: 28, idleWorkers: 2, stalledWorkers: 3, drainingWorkers: 0, queueDepth: 120, mergeQueueDepth: 4,
  throughputPerMinute: 12.5, avgSessionDurationMs: 123_456, p95SessionDurationMs: 3_456_789, p99SessionDurationMs: 7_654_321, successRate: 0.8123,
  totalSessionsCompleted: 12_345, totalSessionsFailed: 2_345, health: 'degraded', backpressureActive: true, backpressureActivations: 12, scaleOperations: 42, workerStalls: 3,
};

const SUMMARY: RunSummary = {
  issues: { backlog: 0, queued: 0, running: 0, merging: 0, done: 5, failed: 0 },
  sessions: { success: 5, failure: 0, stalled: 0, timeout: 0, cancelled: 0, lost: 0, held: 0 },
  metrics: METRICS,
  failures: [],
  interrupted: false,
  holds: [],
  spent: { costUsd: 0, inputTokens: 0, outputTokens: 0 },
  exitCode: 0,
};

const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;
const SGR = /\u001b\[[0-9;]*m/;

function view(out: { isTTY: boolean; columns?: number }, env: NodeJS.ProcessEnv, status: RunViewOptions['status'], fleet?: RunViewOptions['fleet']) {
  const stream = Object.assign(new PassThrough(), out);
  // What ora needs of a terminal's stream (tty.WriteStream has these).
  Object.assign(stream, {
    cursorTo: (x: number, y?: number) => cursorTo(stream, x, y),
    moveCursor: (dx: number, dy: number) => moveCursor(stream, dx, dy),
    clearLine: (dir: -1 | 0 | 1) => clearLine(stream, dir),
    clearScreenDown: () => clearScreenDown(stream),
  });
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const events = new EventBus();
  const v = createRunView(events, { out: stream, env, quiet: false, metrics: () => METRICS, status, refreshMs: 10, ...(fleet ? { fleet } : {}) });
  return { events, view: v, text: () => text };
}

const idle = () => ({ queued: 0, running: 0, done: 5, failed: 0, backlog: 0 });

function endSession(events: EventBus, n: number): void {
  events.emit('session:ended', { at: n, sessionId: `s${n}`, issueId: `I-${n}`, workerId: 'worker-1', attempt: 1, outcome: 'success', durationMs: 1000, reason: 'exit code 0', issueStatus: 'done' });
}

describe('the run view', () => {
  it('on an 80-column terminal draws the table and the summary within 80 columns', async () => {
    const v = view({ isTTY: true, columns: 80 }, {}, idle);
    await waitFor(() => v.text().includes('│ latency'), 5000, 'the spinner to draw the table');
    v.view.finish(SUMMARY);
    // Each redraw moves the cursor back: split there too, as a terminal would start over.
    const lines = v.text().replace(ANSI, '\n').split(/\r?\n/);
    expect(lines.filter((line) => line.includes('latency')).length).toBeGreaterThan(1);
    expect(Math.max(...lines.map((line) => [...line].length))).toBeLessThanOrEqual(80);
  });

  it('keeps the one-row table on a wide terminal', async () => {
    const v = view({ isTTY: true, columns: 200 }, {}, idle);
    v.view.finish(SUMMARY);
    expect(v.text()).toMatch(/│ workers +│ queue +│ throughput/);
  });

  it('draws the spinner without colour when NO_COLOR is set', async () => {
    const v = view({ isTTY: true, columns: 200 }, { NO_COLOR: '1' }, idle);
    await waitFor(() => v.text().includes('5 done'), 5000, 'the spinner to draw');
    v.events.emit('scale:up', { at: 0, from: 1, to: 2, reason: 'below minWorkers' });
    v.view.finish(SUMMARY);
    expect(v.text()).toContain('▲ scale up 1 → 2');
    expect(v.text()).not.toMatch(SGR);
  });

  it('colours the spinner on a terminal without NO_COLOR', async () => {
    const v = view({ isTTY: true, columns: 200 }, {}, idle);
    await waitFor(() => v.text().includes('5 done'), 5000, 'the spinner to draw');
    v.view.finish(SUMMARY);
    expect(v.text()).toMatch(/\u001b\[36m[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
  });

  it('colours event lines on a terminal, and not under NO_COLOR or in a pipe', () => {
    const lines = (out: { isTTY: boolean; columns?: number }, env: NodeJS.ProcessEnv) => {
      const v = view(out, env, idle);
      v.events.emit('scale:up', { at: 0, from: 1, to: 2, reason: 'below minWorkers' });
      v.events.emit('session:ended', { at: 1, sessionId: 's1', issueId: 'I-1', workerId: 'worker-1', attempt: 1, outcome: 'failure', durationMs: 1000, reason: 'exit code 1', issueStatus: 'failed' });
      v.view.finish(SUMMARY);
      return v.text();
    };
    const coloured = lines({ isTTY: true, columns: 200 }, {});
    expect(coloured).toContain('\u001b[36m▲ scale up 1 → 2: below minWorkers\u001b[39m\n');
    expect(coloured).toContain('\u001b[31m✗\u001b[39m I-1 attempt 1 failure in 1.0s (exit code 1) → failed\n');
    for (const plain of [lines({ isTTY: true, columns: 200 }, { NO_COLOR: '' }), lines({ isTTY: false }, {})]) {
      expect(plain).toContain('▲ scale up 1 → 2: below minWorkers\n');
      expect(plain).not.toMatch(SGR);
    }
  });

  it('starts no spinner after a run that finished before the spinner loaded', async () => {
    const v = view({ isTTY: true, columns: 200 }, {}, idle);
    v.view.finish(SUMMARY);
    const summary = v.text();
    // The view's own import of the spinner settles first: it was asked for first.
    await import('ora');
    await new Promise((resolve) => setImmediate(resolve));
    expect(v.text()).toBe(summary);
  });

  it('draws no table while a quiet run works', () => {
    const out = new PassThrough();
    let drawn = 0;
    const events = new EventBus();
    const quiet = createRunView(events, { out, env: {}, quiet: true, metrics: () => (drawn++, METRICS), status: () => ({ queued: 5, running: 0, done: 5, failed: 0, backlog: 0 }) });
    for (let n = 1; n <= 10; n++) endSession(events, n);
    expect(drawn).toBe(0);
    quiet.finish(SUMMARY);
  });

  it('in a pipe prints the final table once when the last session completes a group of five', () => {
    const v = view({ isTTY: false }, {}, idle);
    for (let n = 1; n <= 5; n++) endSession(v.events, n);
    v.view.finish(SUMMARY);
    expect(v.text().match(/│ workers/g)).toHaveLength(1);
  });

  it('in a pipe still prints the table every five sessions while work is left', () => {
    let left = 5;
    const v = view({ isTTY: false }, {}, () => ({ queued: left, running: 0, done: 10 - left, failed: 0, backlog: 0 }));
    for (let n = 1; n <= 10; n++) {
      left = 10 - n;
      endSession(v.events, n);
    }
    v.view.finish(SUMMARY);
    // After the fifth session, and in the summary; the tenth would only repeat the summary's.
    expect(v.text().match(/│ workers/g)).toHaveLength(2);
  });
});

describe('holds, spend and concurrency in the run view', () => {
  const held = () => ({
    holds: [{ kind: 'budget' as const, reason: 'budget reached: $1.05 spent of --max-cost-usd $1.00', fix: 'raise --max-cost-usd (or maxCostUsd) and run again to continue', since: 0, until: null, probing: false }],
    spent: { costUsd: 1.05, inputTokens: 12_000, outputTokens: 800 },
    concurrency: { limit: 2, max: 8 },
  });

  it('a hold, its lifting, a concurrency change and the host holding the pool are event lines, with what ends the hold', () => {
    const v = view({ isTTY: false }, {}, idle);
    v.events.emit('hold:on', { at: 1, kind: 'auth', reason: 'authentication failed (401): invalid x-api-key', fix: "check the agent's credentials, then run again", until: null });
    v.events.emit('hold:off', { at: 2, kind: 'usage-limit', by: 'a probe session succeeded' });
    v.events.emit('concurrency:changed', { at: 3, from: 8, to: 4, reason: 'the provider is rate-limiting: halved' });
    v.events.emit('scale:held', { at: 4, workers: 6, reason: 'host load 7.9 > host.maxLoad 6: not growing (queue 40, 6.67 per worker > 2)' });
    v.events.emit('scale:released', { at: 5, workers: 6 });
    expect(v.text().split('\n')).toEqual([
      "⏸ fleet on hold (auth): authentication failed (401): invalid x-api-key; no new sessions, running ones go on · check the agent's credentials, then run again",
      '▶ hold lifted (usage-limit): a probe session succeeded',
      '▼ concurrency 8 → 4: the provider is rate-limiting: halved',
      '⏸ pool held at 6: host load 7.9 > host.maxLoad 6: not growing (queue 40, 6.67 per worker > 2); running sessions go on',
      '▶ host within its limits again: the pool (6) may grow',
      '',
    ]);
  });

  it('the table has the holds, the spend and a lowered concurrency under it, in a pipe and on a terminal', async () => {
    const pipe = view({ isTTY: false }, {}, () => ({ ...idle(), queued: 3 }), held);
    for (let n = 1; n <= 5; n++) endSession(pipe.events, n);
    expect(pipe.text()).toContain('┘\n⏸ on hold (budget): budget reached: $1.05 spent of --max-cost-usd $1.00 · raise --max-cost-usd (or maxCostUsd) and run again to continue\nspent $1.05 · 12000 input / 800 output tokens · concurrency 2 of 8 (the provider is rate-limiting)\n');
    const tty = view({ isTTY: true, columns: 200 }, { NO_COLOR: '1' }, idle, held);
    await waitFor(() => tty.text().includes('spent $1.05'), 5000, 'the spinner to draw the spend');
    tty.view.finish(SUMMARY);
  });

  it('says nothing more for an agent that reports no spend, at full concurrency', () => {
    const v = view({ isTTY: false }, {}, () => ({ ...idle(), queued: 3 }), () => ({ holds: [], spent: { costUsd: 0, inputTokens: 0, outputTokens: 0 }, concurrency: { limit: 8, max: 8 } }));
    for (let n = 1; n <= 5; n++) endSession(v.events, n);
    expect(v.text().trimEnd().endsWith('┘')).toBe(true);
  });
});

describe('harness metrics on a terminal', () => {
  it('fits 80 columns: the narrow table and wrapped lines', async () => {
    const t = makeStore();
    try {
      const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
      recordSessions(t.store, [
        { issueId: 'A-VERY-LONG-ISSUE-IDENTIFIER-THAT-KEEPS-GOING-1', startedAt: T0, endedAt: T0 + 12_000, outcome: 'stalled', reason: 'no progress for 10m', workerId: 'worker-1' },
        { issueId: 'A-VERY-LONG-ISSUE-IDENTIFIER-THAT-KEEPS-GOING-1', startedAt: T0 + 20_000, endedAt: T0 + 620_000, outcome: 'success', exitCode: 0, then: 'done' },
      ]);
      t.store.recordScaleOperation({ at: T0 + 1000, direction: 'up', from: 2, to: 4, reason: 'queue 9, 4.50 per worker > 2' });
      const io = makeIO(t.dir);
      Object.assign(io.io.stdout, { isTTY: true, columns: 80 });
      expect(await main(['metrics', '--state', t.path], io.io)).toBe(0);
      const lines = io.stdout().split('\n');
      expect(io.stdout()).toContain('│ latency');
      expect(Math.max(...lines.map((line) => [...line].length))).toBeLessThanOrEqual(80);
      const piped = makeIO(t.dir);
      expect(await main(['metrics', '--state', t.path], piped.io)).toBe(0);
      expect(piped.stdout()).toMatch(/│ workers +│ queue +│ throughput/);
    } finally {
      t.cleanup();
    }
  });
});
