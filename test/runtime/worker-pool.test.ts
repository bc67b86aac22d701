import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { VirtualClock } from '../../src/runtime/clock.js';
import { WorkerPool } from '../../src/runtime/worker-pool.js';

function makePool(firstIdAfter = 0) {
  const events = new EventBus();
  const log: string[] = [];
  events.on('pool:added', (e) => log.push(`added ${e.workerId}`));
  events.on('pool:retired', (e) => log.push(`retired ${e.workerId}`));
  events.on('pool:draining', (e) => log.push(`draining ${e.workerId}`));
  events.on('pool:recycled', (e) => log.push(`recycled ${e.oldWorkerId}->${e.newWorkerId}`));
  const pool = new WorkerPool('/tmp', { clock: new VirtualClock(1000), events, firstIdAfter });
  return { pool, log };
}

describe('WorkerPool', () => {
  it('gives every new worker a fresh id, never reusing one (earlier defect: worker-(count+i) collided)', () => {
    const { pool } = makePool();
    const first = pool.add(3).map((w) => w.id);
    pool.drain(first[1]!);
    const more = pool.add(2).map((w) => w.id);
    expect(first).toEqual(['worker-1', 'worker-2', 'worker-3']);
    expect(more).toEqual(['worker-4', 'worker-5']);
    expect(new Set([...first, ...more]).size).toBe(5);
    expect(pool.size).toBe(4);
  });

  it('continues numbering after firstIdAfter so ids stay unique across runs', () => {
    const { pool } = makePool(7);
    expect(pool.add(1)[0]!.id).toBe('worker-8');
  });

  it('retires an idle worker at once but lets a busy one finish (drain)', () => {
    const { pool, log } = makePool();
    const [a, b] = pool.add(2);
    pool.assign(b!.id, 's1');
    pool.drain(a!.id);
    pool.drain(b!.id);
    expect(pool.get(a!.id)).toBeUndefined();
    expect(pool.get(b!.id)!.state).toBe('draining');
    expect(pool.size).toBe(0);
    expect(pool.working().map((w) => w.id)).toEqual([b!.id]);
    pool.release(b!.id);
    expect(pool.get(b!.id)).toBeUndefined();
    expect(log).toEqual(['added worker-1', 'added worker-2', 'retired worker-1', 'draining worker-2', 'retired worker-2']);
  });

  it('shrinks by retiring idle workers first, then draining busy ones, never stopping a busy worker', () => {
    const { pool } = makePool();
    const ws = pool.add(5);
    pool.assign(ws[0]!.id, 's0');
    pool.assign(ws[1]!.id, 's1');
    pool.assign(ws[2]!.id, 's2');
    expect(pool.shrinkTo(3)).toEqual({ retired: 2, draining: 0 });
    expect(pool.busy().length).toBe(3);
    expect(pool.shrinkTo(1)).toEqual({ retired: 0, draining: 2 });
    expect(pool.busy().length).toBe(1);
    expect(pool.draining().length).toBe(2);
    expect(pool.size).toBe(1);
  });

  it('recycles a worker: the old one leaves, a fresh one with a new id and zero sessions joins', () => {
    const { pool, log } = makePool();
    const [w] = pool.add(1);
    pool.assign(w!.id, 's1');
    pool.release(w!.id);
    const fresh = pool.recycle(w!.id);
    expect(fresh.id).toBe('worker-2');
    expect(fresh.sessionsRun).toBe(0);
    expect(pool.size).toBe(1);
    expect(log).toContain('recycled worker-1->worker-2');
  });

  it('refuses to give a busy worker a second session', () => {
    const { pool } = makePool();
    const [w] = pool.add(1);
    pool.assign(w!.id, 's1');
    expect(() => pool.assign(w!.id, 's2')).toThrow(/busy/);
  });
});
