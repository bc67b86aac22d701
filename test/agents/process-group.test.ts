import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isGroupAlive, killGroup, processMatches } from '../../src/agents/process-group.js';
import { Sandbox, fixture } from './helpers.js';

let sandbox: Sandbox;
beforeEach(() => {
  sandbox = new Sandbox();
});
afterEach(() => sandbox.cleanup());

describe('process groups', () => {
  it('recognises a live session process and nothing else', async () => {
    const startedAt = Date.now();
    const session = sandbox.start(sandbox.runner({ command: fixture('hang.mjs') }), { sessionId: 'sess-match' });
    await session.firstProgress;
    const pid = session.handle.pid!;
    expect(processMatches(pid, { sessionId: 'sess-match' })).toBe(true);
    expect(processMatches(pid, { sessionId: 'sess-match', startedAfter: startedAt })).toBe(true);
    expect(processMatches(pid, { sessionId: 'sess-other' })).toBe(false);
    expect(processMatches(pid, { sessionId: 'sess-match', startedAfter: startedAt + 60_000 })).toBe(false);
    expect(processMatches(process.pid, { sessionId: 'sess-match' })).toBe(false);
    expect(processMatches(pid, {})).toBe(false);
    session.handle.kill();
    await session.exited;
    expect(processMatches(pid, { sessionId: 'sess-match' })).toBe(false);
  });

  it('reports and signals groups, ignoring ones that are gone', async () => {
    const session = sandbox.start(sandbox.runner({ command: fixture('hang.mjs') }));
    await session.firstProgress;
    const pgid = session.handle.pgid!;
    expect(isGroupAlive(pgid)).toBe(true);
    expect(killGroup(pgid, 'SIGKILL')).toBe(true);
    expect(await session.exited).toEqual({ exitCode: null, signal: 'SIGKILL' });
    expect(isGroupAlive(pgid)).toBe(false);
    expect(killGroup(pgid, 'SIGTERM')).toBe(false);
  });
});
