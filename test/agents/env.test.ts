import { describe, expect, it } from 'vitest';
import { MAX_ENV_VALUE_BYTES, buildSessionEnv, toEnvValue } from '../../src/agents/env.js';
import { issue } from './helpers.js';

describe('toEnvValue', () => {
  it('keeps ordinary text byte-exact', () => {
    expect(toEnvValue('$(touch pwned) `x` "; y #\n\tünï')).toBe('$(touch pwned) `x` "; y #\n\tünï');
  });

  it('drops NUL bytes, which exec cannot carry', () => {
    expect(toEnvValue('a\0b')).toBe('ab');
  });

  it('cuts long values on a character boundary', () => {
    const value = toEnvValue('é'.repeat(MAX_ENV_VALUE_BYTES));
    expect(Buffer.byteLength(value)).toBeLessThanOrEqual(MAX_ENV_VALUE_BYTES);
    expect(value).toBe('é'.repeat(MAX_ENV_VALUE_BYTES / 2));
    expect(toEnvValue('aé', 2)).toBe('a');
  });
});

describe('buildSessionEnv', () => {
  it('adds the session variables on top of the base environment, overriding inherited ones', () => {
    const env = buildSessionEnv(
      { PATH: '/bin', HARNESS_SESSION_ID: 'outer' },
      { sessionId: 's-9', workerId: 'w-2', attempt: 2, issue: issue({ id: 'X-1' }), cwd: '/', logPath: null },
      { issueFile: '/tmp/s-9/issue.json', heartbeatFile: '/tmp/s-9/heartbeat' },
    );
    expect(env).toMatchObject({
      PATH: '/bin',
      HARNESS_SESSION_ID: 's-9',
      HARNESS_WORKER_ID: 'w-2',
      HARNESS_ATTEMPT: '2',
      HARNESS_ISSUE_ID: 'X-1',
      HARNESS_ISSUE_FILE: '/tmp/s-9/issue.json',
      HARNESS_HEARTBEAT_FILE: '/tmp/s-9/heartbeat',
    });
  });
});
