import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { guardProcesses, makeIO, tempDir } from '../helpers/cli.js';

const { cleanups, markers } = guardProcesses();

/** A directory with a good issues file, an empty one, a wrapped one, a folder, a binary file and a BOM scenario. */
function project() {
  const tmp = tempDir();
  cleanups.push(tmp.cleanup);
  const d = tmp.dir;
  writeFileSync(join(d, 'issues.jsonl'), '{"id":"a","title":"t"}\n');
  writeFileSync(join(d, 'empty.jsonl'), '');
  writeFileSync(join(d, 'wrapped.json'), JSON.stringify({ issues: [{ id: 'a', title: 't' }] }));
  mkdirSync(join(d, 'folder'));
  writeFileSync(join(d, 'blob.bin'), Buffer.from(Array.from({ length: 20_000 }, (_, i) => (i * 131) % 256)));
  writeFileSync(join(d, 'bom.json'), '\uFEFF' + JSON.stringify({ totalIssues: 4, concurrentAgents: 2, avgSessionDurationMs: 1000, rampUpMs: 0, failureRate: 0 }));
  const t = makeIO(d);
  markers.push(t.marker);
  return { dir: d, t };
}

async function fails(args: string[]): Promise<string> {
  const { t } = project();
  const code = await main(args, t.io);
  expect(code).toBe(2);
  return t.stderr();
}

describe('paths that name nothing, a directory, or the wrong kind of file', () => {
  it.each([
    [['run', '--issues', 'missing.jsonl'], /^harness: issues file not found: .*missing\.jsonl; pass --issues <file> with one \{"id"/],
    [['run', '--issues', 'folder'], /folder is a directory, not an issues file; pass --issues <file>/],
    [['run', '--issues', 'blob.bin'], /blob\.bin cannot be an issues file: it holds a NUL byte at offset \d+, so it looks like a binary file/],
    [['run', '--issues', 'empty.jsonl'], /empty\.jsonl holds no issues: write one \{"id": …, "title": …\} object per line/],
    [['run', '--issues', 'wrapped.json'], /received one object that holds a list under "issues": pass that list instead/],
    [['run', '--issues', 'issues.jsonl', '--config', 'missing.json'], /config file not found: missing\.json; check the path/],
    [['run', '--issues', 'issues.jsonl', '--config', 'folder'], /folder is a directory, not a config file; pass the file itself, e\.g\. --config folder\/harness\.config\.json/],
    [['run', '--issues', 'issues.jsonl', '--agent', 'true', '--state', 'folder'], /folder is a directory, not a state database; pass --state <file>, e\.g\. --state folder\/state\.db/],
    [['metrics', '--state', 'missing.db'], /no harness state at missing\.db \(not found\): run `harness run` first/],
    [['metrics', '--state', 'folder'], /folder is a directory, not a state database; pass --state <file>/],
    [['load-test', '--scenario', 'missing.json'], /scenario file not found: .*missing\.json; pass --scenario smoke\|light\|medium\|heavy\|stress\|rate-limited\|chains, or the path/],
    [['load-test', '--scenario', './folder'], /folder is a directory, not a scenario file; pass --scenario/],
    [['load-test', '--scenario', 'blob.bin'], /blob\.bin cannot be a scenario file: it holds a NUL byte/],
  ])('%j exits 2 saying what is wrong and what to pass', async (args, message) => {
    const stderr = await fails(args);
    expect(stderr).toMatch(message);
    expect(stderr.length).toBeLessThan(600);
  });

  it('a scenario file with a byte order mark is read', async () => {
    const { t } = project();
    expect(await main(['load-test', '--scenario', 'bom.json'], t.io)).toBe(0);
    expect(t.stdout()).toContain('Load test "bom"');
  });
});

describe('load-test and the flags only run takes', () => {
  it.each([
    [['--agent', 'claude -p'], '--agent is a flag of `harness run`: the load test runs its own simulated agent; drop it'],
    [['--worktrees'], '--worktrees is a flag of `harness run`: the load test runs no git worktrees; drop it'],
    [['--state', 'x.db'], '--state is a flag of `harness run`: the load test keeps its state in memory, or in a temporary file in process mode; drop it'],
    [['--max-cost-usd', '5'], "--max-cost-usd is a flag of `harness run`: the load test's simulated agent reports no cost, tokens or errors of its own; drop it"],
  ])('refuses %j with a usage error', async (flags, message) => {
    const stderr = await fails(['load-test', '--scenario', 'smoke', ...flags]);
    expect(stderr).toBe(`harness: ${message}\n`);
  });

  it('keeps them out of its help', async () => {
    const { t } = project();
    expect(await main(['load-test', '--help'], t.io)).toBe(0);
    expect(t.stdout()).toContain('--max-workers');
    expect(t.stdout()).toContain('--agents <n>');
    expect(t.stdout()).not.toMatch(/--agent <|--worktrees|--state/);
  });
});
