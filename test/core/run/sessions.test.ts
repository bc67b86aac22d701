import { describe, expect, it } from 'vitest';
import { classifyExit, describeExit } from '../../../src/core/run/sessions.js';
import type { KillReason } from '../../../src/core/run/state.js';
import type { SessionOutcome } from '../../../src/core/states.js';
import { actions, emitted, issue, rules, run, session, state, view, worker, writes } from './builders.js';

describe('outcome classification', () => {
  it.each<[KillReason | null, { exitCode: number | null; signal: string | null; error?: string }, SessionOutcome, string]>([
    [null, { exitCode: 0, signal: null }, 'success', 'exit code 0'],
    [null, { exitCode: 1, signal: null }, 'failure', 'exit code 1'],
    [null, { exitCode: null, signal: 'SIGKILL' }, 'failure', 'killed by SIGKILL'],
    [null, { exitCode: 0, signal: null, error: 'spawn ENOENT' }, 'failure', 'spawn ENOENT'],
    ['stalled', { exitCode: 0, signal: null }, 'stalled', 'exit code 0'],
    ['timeout', { exitCode: null, signal: 'SIGTERM' }, 'timeout', 'killed by SIGTERM'],
    ['cancelled', { exitCode: 1, signal: null }, 'cancelled', 'exit code 1'],
  ])('kill reason %s and exit %o → %s', (killReason, exit, outcome, described) => {
    expect(classifyExit(killReason, exit)).toBe(outcome);
    expect(describeExit(exit)).toBe(described);
  });
});

describe('a session from claim to end', () => {
  it('starts the claimed issue: worker busy, announced, timeout armed, agent spawned', () => {
    const s = state({ workers: [worker('worker-1')], view: view({ queued: 1 }) });
    run(s, [[{ type: 'queue', view: s.queue }, 0]]);
    const commands = run(s, [[{ type: 'claimed', workerId: 'worker-1', sessionId: 's1', at: 100, issue: issue('A'), view: view({ running: 1 }) }, 105]]);
    expect(s.pool.workers.get('worker-1')).toMatchObject({ state: 'busy', sessionId: 's1', sessionsRun: 1, claiming: false });
    expect(s.sessions.get('s1')).toMatchObject({ startedAt: 100, lastProgressAt: 100, attempt: 1 });
    expect(emitted(commands)).toEqual(['session:started']);
    expect(actions(commands)).toEqual([
      { type: 'set-timer', key: 'timeout:s1', at: 60_100 },
      { type: 'spawn', sessionId: 's1', workerId: 'worker-1', attempt: 1, issue: issue('A'), cwd: null, resumeFrom: null, budgetUsd: null },
    ]);
  });

  it('prepares a workspace first in worktree mode, and spawns in it', () => {
    const s = state({ rules: rules({ workspaces: true }), workers: [worker('worker-1')], view: view({ queued: 1 }) });
    run(s, [[{ type: 'queue', view: s.queue }, 0]]);
    const claimed = run(s, [[{ type: 'claimed', workerId: 'worker-1', sessionId: 's1', at: 0, issue: issue('A'), view: view({ running: 1 }) }, 0]]);
    expect(actions(claimed).map((c) => c.type)).toEqual(['set-timer', 'prepare']);
    const ready = run(s, [[{ type: 'prepared', sessionId: 's1', cwd: '/wt/A', branch: 'harness/A' }, 10]]);
    expect(actions(ready)).toEqual([{ type: 'spawn', sessionId: 's1', workerId: 'worker-1', attempt: 1, issue: issue('A'), cwd: '/wt/A', resumeFrom: null, budgetUsd: null }]);
  });

  it.each([
    // progress at, last persisted → writes
    [4_999, 0, false],
    [5_000, 0, true],
    [12_000, 8_000, false],
    [13_000, 8_000, true],
  ])('progress at %i after a write at %i writes: %s', (at, persisted, written) => {
    const s = state({ workers: [worker('worker-1')], sessions: [session('s1', 'worker-1', { persistedProgressAt: persisted })] });
    const commands = run(s, [[{ type: 'progress', sessionId: 's1', at }, at]]);
    expect(s.sessions.get('s1')?.lastProgressAt).toBe(at);
    expect(writes(commands)).toEqual(written ? [{ op: 'touch', sessionId: 's1', at }] : []);
  });

  it.each<[SessionOutcome, KillReason | null, number, number, string, number | null]>([
    // outcome, kill reason, exit code, attempt → issue status, notBefore
    ['success', null, 0, 1, 'done', null],
    ['failure', null, 1, 1, 'queued', 21_000],
    ['failure', null, 1, 2, 'queued', 22_000],
    ['failure', null, 1, 3, 'failed', null],
    ['stalled', 'stalled', 143, 1, 'queued', 20_000],
    ['timeout', 'timeout', 143, 3, 'failed', null],
    ['cancelled', 'cancelled', 143, 3, 'queued', 20_000],
  ])('%s (killed as %s, exit %i) on attempt %i: the issue becomes %s', (outcome, killReason, exitCode, attempt, status, notBefore) => {
    const s = state({ workers: [worker('worker-1')], sessions: [session('s1', 'worker-1', { attempt, killReason, startedAt: 5_000 })] });
    const commands = run(s, [[{ type: 'exited', sessionId: 's1', exit: { exitCode, signal: null } }, 20_000]]);
    const finish = writes(commands).find((w) => w.op === 'finish');
    expect(finish).toMatchObject({ op: 'finish', sessionId: 's1', end: { outcome, endedAt: 20_000, exitCode }, transition: { status, notBefore } });
    // Whatever the outcome, the work never stays running and the worker is free again.
    expect(finish?.op === 'finish' && finish.transition.status).not.toBe('running');
    expect(s.sessions.has('s1')).toBe(false);
    expect(s.pool.workers.get('worker-1')).toMatchObject({ state: 'idle', sessionId: null });
    expect(actions(commands)).toContainEqual({ type: 'cancel-timer', key: 'timeout:s1' });
    expect(emitted(commands)).toContain('session:ended');
    expect(s.outcomes[outcome]).toBe(1);
  });

  it('refunds the attempt of a cancelled session', () => {
    const s = state({ workers: [worker('worker-1')], sessions: [session('s1', 'worker-1', { killReason: 'cancelled' })] });
    const finish = writes(run(s, [[{ type: 'exited', sessionId: 's1', exit: { exitCode: null, signal: 'SIGTERM' } }, 9]])).find((w) => w.op === 'finish');
    expect(finish).toMatchObject({ transition: { status: 'queued', refundAttempt: true } });
  });

  it('records the branch of a successful session with its end (mutation: dropping the branch)', () => {
    const s = state({ workers: [worker('worker-1')], sessions: [session('s1', 'worker-1', { branch: 'harness/A' })] });
    const finish = writes(run(s, [[{ type: 'exited', sessionId: 's1', exit: { exitCode: 0, signal: null } }, 9]])).find((w) => w.op === 'finish');
    expect(finish).toMatchObject({ transition: { status: 'done', branch: 'harness/A' } });
  });

  it('asks the merge queue first in worktree mode, writes the end, then queues the branch', () => {
    const s = state({ rules: rules({ merges: true }), workers: [worker('worker-1')], sessions: [session('s1', 'worker-1', { branch: 'harness/A' })] });
    const exit = run(s, [[{ type: 'exited', sessionId: 's1', exit: { exitCode: 0, signal: null } }, 9]]);
    expect(actions(exit)).toEqual([{ type: 'cancel-timer', key: 'timeout:s1' }, { type: 'hand-off', sessionId: 's1', issue: issue('I-s1'), branch: 'harness/A' }]);
    expect(s.pool.workers.get('worker-1')?.state).toBe('busy');
    const answered = run(s, [[{ type: 'handed-off', sessionId: 's1', status: 'merging', reason: null, head: 'abc' }, 12]]);
    const kinds = answered.filter((c) => c.type !== 'emit').map((c) => (c.type === 'write' ? c.write.op : c.type));
    expect(kinds.indexOf('finish')).toBeLessThan(kinds.indexOf('enqueue-merge'));
    expect(writes(answered).find((w) => w.op === 'finish')).toMatchObject({ end: { endedAt: 9 }, transition: { status: 'merging', branch: 'harness/A' } });
  });

  it('fails the issue when the merge queue refuses the branch', () => {
    const s = state({ rules: rules({ merges: true }), workers: [worker('worker-1')], sessions: [session('s1', 'worker-1', { branch: 'harness/A' })] });
    run(s, [[{ type: 'exited', sessionId: 's1', exit: { exitCode: 0, signal: null } }, 9]]);
    const answered = run(s, [[{ type: 'handed-off', sessionId: 's1', status: 'failed', reason: 'no changes', head: null }, 12]]);
    expect(writes(answered).find((w) => w.op === 'finish')).toMatchObject({ transition: { status: 'failed', lastError: 'no changes' } });
    expect(answered.some((c) => c.type === 'enqueue-merge')).toBe(false);
  });

  it('recycles a worker that reached its quota when its session ends', () => {
    const s = state({ rules: rules({ scale: { maxSessionsPerWorker: 2 } }), workers: [worker('worker-1', { sessionsRun: 2 })], sessions: [session('s1', 'worker-1')] });
    const commands = run(s, [[{ type: 'exited', sessionId: 's1', exit: { exitCode: 0, signal: null } }, 9]]);
    expect(emitted(commands)).toEqual(['pool:retired', 'pool:added', 'pool:recycled', 'session:ended']);
    expect([...s.pool.workers.keys()]).toEqual(['worker-2']);
  });

  it('retires a draining worker when its session ends', () => {
    const s = state({ workers: [worker('worker-1')], sessions: [session('s1', 'worker-1')] });
    s.pool.workers.get('worker-1')!.state = 'draining';
    const commands = run(s, [[{ type: 'exited', sessionId: 's1', exit: { exitCode: 0, signal: null } }, 9]]);
    expect(writes(commands)).toContainEqual(expect.objectContaining({ op: 'worker', id: 'worker-1', state: 'retired', retireReason: 'drained after its session' }));
    expect(s.pool.workers.size).toBe(0);
  });

  it('stops a session at its timeout even while it makes progress', () => {
    const s = state({ workers: [worker('worker-1')], sessions: [session('s1', 'worker-1', { lastProgressAt: 59_999 })] });
    const commands = run(s, [[{ type: 'timer', key: 'timeout:s1' }, 60_000]]);
    expect(emitted(commands)).toEqual(['session:timeout']);
    expect(actions(commands)).toEqual([{ type: 'kill', sessionId: 's1' }]);
    expect(s.sessions.get('s1')?.killReason).toBe('timeout');
  });

  it('lets a cancel override an earlier reason, and never the other way round', () => {
    const s = state({ workers: [worker('worker-1')], sessions: [session('s1', 'worker-1', { killReason: 'stalled' })] });
    run(s, [[{ type: 'stop', force: true }, 1]]);
    expect(s.sessions.get('s1')?.killReason).toBe('cancelled');
    run(s, [[{ type: 'timer', key: 'timeout:s1' }, 2]]);
    expect(s.sessions.get('s1')?.killReason).toBe('cancelled');
  });
});
