import { describe, expect, it } from 'vitest';
import { describeIssues, renderValue } from '../../src/config/normalise.js';
import { configFileSchema } from '../../src/config/schema.js';

function problemsOf(input: unknown, label = (path: string) => path || 'file'): string[] {
  const result = configFileSchema.safeParse(input);
  return result.success ? [] : describeIssues(result.error.issues, input, label);
}

describe('describeIssues', () => {
  it.each<[unknown, string]>([
    [{ minWorkers: 'four' }, 'minWorkers: expected a positive integer, received "four"'],
    [{ maxWorkers: -1 }, 'maxWorkers: expected a positive integer, received -1'],
    [{ maxAttempts: 1.5 }, 'maxAttempts: expected a positive integer, received 1.5'],
    [{ scaleUpThreshold: true }, 'scaleUpThreshold: expected a positive number, received true'],
    [
      { workerStallTimeoutMs: '10 minutes' },
      'workerStallTimeoutMs: expected a positive duration (milliseconds, or e.g. "30s", "10m", "1h"), received "10 minutes"',
    ],
    [{ workspace: 'docker' }, 'workspace: expected "shared", "worktree" or "worker", received "docker"'],
    [{ workspace: { mode: 'docker' } }, 'workspace.mode: expected "shared", "worktree" or "worker", received "docker"'],
    [{ workspace: 3 }, 'workspace: expected "shared", "worktree" or "worker", or an object with "mode", "setup", "copy" and/or "keep", received 3'],
    [{ merge: { strategy: 'octopus' } }, 'merge.strategy: expected "rebase", "merge" or "squash", received "octopus"'],
    [{ merge: { batchSize: 0 } }, 'merge.batchSize: expected a positive integer, received 0'],
    [
      { merge: { verify: 'npm "test' } },
      'merge.verify: expected a command line with matching quotes, received "npm \\"test"',
    ],
    [{ merge: { stratgy: 'merge' } }, 'merge.stratgy: unknown field; did you mean "merge.strategy"?'],
    [{ batchSize: 4 }, 'batchSize: unknown field; did you mean "merge.batchSize"?'],
    [{ state: null }, 'state: expected a non-empty string, received null'],
    [{ agent: 'node x' }, 'agent: expected an object of agent settings ("command", "prompt", "format", "resume", "model", "permissionMode", "sandbox", "bin"), received "node x"'],
    [{ agent: { format: 'json' } }, 'agent.format: expected null or one of "claude-stream-json", "codex-json", "gemini-stream-json", "opencode-json", "text", received "json"'],
    [{ agent: { sandbox: 'none' } }, 'agent.sandbox: expected one of "read-only", "workspace-write", "danger-full-access", received "none"'],
    [{ maxCostUsd: 0 }, 'maxCostUsd: expected null or a positive amount in USD, e.g. 25 or 0.5, received 0'],
    [{ maxTokens: 1.5 }, 'maxTokens: expected null or a positive whole number of tokens, received 1.5'],
    [{ onHold: 'pause' }, 'onHold: expected "wait" or "stop", received "pause"'],
    [{ circuitBreaker: -1 }, 'circuitBreaker: expected a whole number ≥ 0 (0 turns it off), received -1'],
    [
      { agent: { command: "node 'x" } },
      `agent.command: expected a command line with matching quotes, received "node 'x"`,
    ],
    [
      { agent: { command: [1, 2] } },
      'agent.command: expected a non-empty array of non-empty strings, or a command line string, received [1,2]',
    ],
    [{ agent: { prompt: 42 } }, 'agent.prompt: expected a string, received 42'],
    ['just text', 'file: expected an object of settings, received "just text"'],
    [{ maxWorker: 3 }, 'maxWorker: unknown field; did you mean "maxWorkers"?'],
    [{ command: ['x'] }, 'command: unknown field; did you mean "agent.command"?'],
    [{ agent: { promt: 'x' } }, 'agent.promt: unknown field; did you mean "agent.prompt"?'],
  ])('%j', (input, message) => {
    expect(problemsOf(input)).toEqual([message]);
  });

  it('reports every problem in one pass', () => {
    const problems = problemsOf({ minWorkers: 'four', maxWorkers: 0, colour: 'red', agent: { xyzzy: 'x' } });
    expect(problems).toHaveLength(4);
    expect(problems).toEqual(
      expect.arrayContaining([
        'minWorkers: expected a positive integer, received "four"',
        'maxWorkers: expected a positive integer, received 0',
        expect.stringMatching(/^colour: unknown field; known fields are minWorkers, maxWorkers, .*, agent\.bin, tracker, tracker\.timeoutMs, .*, hooks, hooks\.afterCreate, .*, hooks\.timeoutMs, host, host\.maxLoad, host\.minFreeMemory, fleet, fleet\.maxWorkers, fleet\.leaseMs$/),
        'agent.xyzzy: unknown field; known fields are agent.command, agent.prompt, agent.format, agent.resume, agent.model, agent.permissionMode, agent.sandbox, agent.bin',
      ]),
    );
  });

  it('labels problems with the name the user wrote', () => {
    const label = (path: string) => (path === 'maxWorkers' ? 'HARNESS_MAX_WORKERS' : path);
    expect(problemsOf({ maxWorkers: 'abc' }, label)).toEqual([
      'HARNESS_MAX_WORKERS: expected a positive integer, received "abc"',
    ]);
  });
});

describe('renderValue', () => {
  it.each<[unknown, string]>([
    ['four', '"four"'],
    [-1, '-1'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [undefined, 'nothing'],
    [{ a: 1 }, '{"a":1}'],
    ['x'.repeat(100), `"${'x'.repeat(58)}…`],
  ])('%j → %s', (value, expected) => {
    expect(renderValue(value)).toBe(expected);
  });
});
