// The Claude Code stream-json parser on a generated 50 MB log, in MB/s,
// beside a plain line-counting pass over the same bytes in the same run,
// against the 100 MB/s target. The log mixes what sessions print: assistant
// text and tool calls (small Bash commands, whole files written), user tool
// results (short outputs, long file reads), retries and other system lines.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createParser } from '../dist/agents/formats/index.js';
import { LauncherRunner } from '../dist/agents/launcher/runner.js';
import { ProcessRunner } from '../dist/agents/process-runner.js';
import { realClock } from '../dist/runtime/clock.js';

const TARGET_MB_PER_S = 100;
const CHUNK_BYTES = 64 * 1024;

/** A small deterministic generator (mulberry32), so every run parses the same log. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the widget test fails because render returns null when the list is empty so guard it and add a case ' +
  'const function return import export await async interface type if else for while error value result ' +
  'src/widget.ts test/widget.test.ts npm run build passed failed ✓ ✗ → für größe naïve 配置 テスト'
).split(' ');

export function generateLog(bytes, seed = 7) {
  const rnd = random(seed);
  const text = (n) => {
    let s = '';
    while (s.length < n) s += WORDS[Math.floor(rnd() * WORDS.length)] + (rnd() < 0.08 ? '\n' : ' ');
    return s;
  };
  const sessionId = 'e9bc1995-cbc0-4d6f-ada0-d2f1b16ac1cb';
  const usage = { input_tokens: 3, output_tokens: 1, cache_creation_input_tokens: 512, cache_read_input_tokens: 24310 };
  const lines = [];
  let total = 0;
  let tool = 0;
  const push = (value) => {
    const line = `${JSON.stringify(value)}\n`;
    lines.push(line);
    total += Buffer.byteLength(line);
  };
  push({ type: 'system', subtype: 'init', cwd: '/tmp/project', session_id: sessionId, tools: ['Bash', 'Edit', 'Read', 'Write'], model: 'claude-sonnet-4-5', permissionMode: 'bypassPermissions' });
  while (total < bytes) {
    const r = rnd();
    const message = (content) => ({
      type: 'assistant',
      message: { id: `msg_${tool}`, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content, stop_reason: null, stop_sequence: null, usage },
      parent_tool_use_id: null,
      session_id: sessionId,
      uuid: `u-${tool}`,
    });
    if (r < 0.25) {
      push(message([{ type: 'text', text: text(80 + rnd() * 1200) }]));
    } else if (r < 0.55) {
      const id = `toolu_${++tool}`;
      const write = rnd() < 0.15;
      const input = write ? { file_path: 'src/widget.ts', content: text(2000 + rnd() * 12000) } : { command: `npm test -- ${text(20 + rnd() * 100)}`, description: 'Run the tests' };
      push(message([{ type: 'tool_use', id, name: write ? 'Write' : 'Bash', input }]));
      const long = rnd() < 0.25;
      push({
        type: 'user',
        message: { role: 'user', content: [{ tool_use_id: id, type: 'tool_result', content: text(long ? 4000 + rnd() * 30000 : 40 + rnd() * 1500), is_error: rnd() < 0.1 }] },
        parent_tool_use_id: null,
        session_id: sessionId,
        uuid: `r-${tool}`,
        tool_use_result: { stdout: '', stderr: '', interrupted: false, isImage: false },
      });
    } else if (r < 0.57) {
      push({ type: 'system', subtype: 'api_retry', attempt: 1, max_retries: 10, retry_delay_ms: 1000, error_status: 429, error: 'rate_limit', session_id: sessionId, uuid: `s-${tool}` });
    } else if (r < 0.6) {
      push(message([{ type: 'thinking', thinking: text(200 + rnd() * 800), signature: 'sig' }]));
    }
  }
  push({ type: 'result', subtype: 'success', is_error: false, duration_ms: 3_600_000, num_turns: tool, result: 'Done.', session_id: sessionId, total_cost_usd: 12.5, usage });
  return { buffer: Buffer.from(lines.join('')), lines: lines.length };
}

function chunksOf(buffer) {
  const chunks = [];
  for (let i = 0; i < buffer.length; i += CHUNK_BYTES) chunks.push(buffer.subarray(i, i + CHUNK_BYTES));
  return chunks;
}

function countLines(chunks) {
  let lines = 0;
  for (const chunk of chunks) {
    let at = chunk.indexOf(10);
    while (at !== -1) {
      lines++;
      at = chunk.indexOf(10, at + 1);
    }
  }
  return lines;
}

function parseAll(chunks) {
  const parser = createParser('claude-stream-json');
  let events = 0;
  for (const chunk of chunks) events += parser.push(chunk, 0).length;
  return events + parser.end(0).length;
}

function timeMs(fn) {
  const start = process.hrtime.bigint();
  const value = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * The same log printed by an agent (`cat`) and read by a runner, from spawn
 * to the reported exit: with `text` the bytes are only logged and counted
 * as progress; with stream-json they are also parsed (the launcher sends
 * them to the harness line by line first). Milliseconds.
 */
async function throughRunner(kind, format, file, dir) {
  const options = { command: ['cat', file], format, promptTemplate: '', clock: realClock, killGraceMs: 2000, logMaxBytes: 10 * 1024 * 1024, heartbeatDir: join(dir, 'sessions') };
  const runner = kind === 'launcher' ? new LauncherRunner(options) : new ProcessRunner(options);
  let events = 0;
  const start = process.hrtime.bigint();
  await new Promise((resolve, reject) => {
    runner.start(
      { sessionId: `bench-${kind}-${format}`, workerId: 'worker-1', attempt: 1, issue: { id: 'B', title: 'b', body: '', priority: 2, labels: [], status: 'running', attempts: 1, priorAttempts: 0, seq: 1, createdAt: 0, updatedAt: 0, notBefore: null, lastError: null, branch: null, resumeFrom: null, spentUsd: 0, spentTokens: 0 }, cwd: dir, logPath: join(dir, `${kind}-${format}.log`) },
      {
        onProgress: () => {},
        onAgentEvents: (e) => (events += e.length),
        onExit: (exit) => (exit.exitCode === 0 ? resolve() : reject(new Error(`cat exited ${JSON.stringify(exit)}`))),
      },
    );
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  await runner.close();
  return { ms, events };
}

async function runnerFigures(buffer, runs) {
  const dir = mkdtempSync(join(tmpdir(), 'harness-bench-parse-'));
  try {
    const file = join(dir, 'stream.jsonl');
    writeFileSync(file, buffer);
    const figures = [];
    for (const kind of ['launcher', 'in-process']) {
      for (const format of ['text', 'claude-stream-json']) {
        await throughRunner(kind, format, file, dir);
        const times = [];
        let events = 0;
        for (let i = 0; i < runs; i++) {
          const run = await throughRunner(kind, format, file, dir);
          times.push(run.ms);
          events = run.events;
        }
        figures.push({ kind, format, ms: median(times), events });
      }
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main({ megabytes = 50, runs = 5 } = {}) {
  const { buffer, lines } = generateLog(megabytes * 1_000_000);
  const chunks = chunksOf(buffer);
  const mb = buffer.length / 1_000_000;
  // Warm both up, then interleave them so that drift in the machine's speed hits both alike.
  countLines(chunks);
  parseAll(chunks);
  const counting = [];
  const parsing = [];
  let events = 0;
  for (let i = 0; i < runs; i++) {
    const counted = timeMs(() => countLines(chunks));
    if (counted.value !== lines) throw new Error(`line count ${counted.value}, expected ${lines}`);
    counting.push(counted.ms);
    const parsed = timeMs(() => parseAll(chunks));
    events = parsed.value;
    parsing.push(parsed.ms);
  }
  const countMs = median(counting);
  const parseMs = median(parsing);
  const countRate = mb / (countMs / 1000);
  const parseRate = mb / (parseMs / 1000);
  const perLineUs = ((parseMs - countMs) * 1000) / lines;
  console.log('parse: claude stream-json parser on a generated %s MB log (%d lines, %d events; median of %d runs)', mb.toFixed(1), lines, events, runs);
  console.log('  line counting    %s MB/s (%s ms)', countRate.toFixed(0), countMs.toFixed(1));
  console.log('  parser           %s MB/s (%s ms)', parseRate.toFixed(0), parseMs.toFixed(1));
  console.log('  overhead         %s µs per line; parser takes %s× the time of line counting', perLineUs.toFixed(2), (parseMs / countMs).toFixed(1));
  console.log('  target           ≥ %d MB/s %s', TARGET_MB_PER_S, parseRate >= TARGET_MB_PER_S ? 'PASS' : 'MISS');
  const figures = await runnerFigures(buffer, Math.min(runs, 3));
  console.log('  the same log printed by an agent (cat) and read by a runner, spawn to reported exit (median of %d):', Math.min(runs, 3));
  for (const f of figures) {
    console.log('    %s %s %s MB/s (%s ms%s)', f.kind.padEnd(10), f.format.padEnd(18), (mb / (f.ms / 1000)).toFixed(0).padStart(5), f.ms.toFixed(0), f.events ? `, ${f.events} events` : ', logged only');
  }
  return { megabytes: mb, lines, events, countRate, parseRate, perLineUs, runners: figures };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
