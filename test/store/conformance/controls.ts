import { expect, it } from 'vitest';
import { freshStore, type MakeStore } from './fixtures.js';

/** ControlPort: operators' requests, posted pending, taken once, answered. */
export function describeControls(make: MakeStore): void {
  const t = freshStore(make);
  const post = (kind: 'pause' | 'resume' | 'cancel-session' | 'retry-issue' | 'lift-hold', target: string | null, at: number) =>
    t.store.postControl({ kind, target, requestedAt: at, requestedBy: 'dashboard' });

  it('posts requests pending, with increasing ids', async () => {
    const a = await post('pause', null, 10);
    const b = await post('cancel-session', 's-1', 11);
    expect(a).toEqual({ id: a.id, kind: 'pause', target: null, requestedAt: 10, requestedBy: 'dashboard', takenAt: null, answeredAt: null, applied: null, result: null });
    expect(b.id).toBeGreaterThan(a.id);
  });

  it('hands each pending request out once, oldest first, marked taken', async () => {
    await post('pause', null, 10);
    await post('retry-issue', 'A-1', 11);
    const taken = await t.store.takeControls(20);
    expect(taken.map((r) => [r.kind, r.target, r.takenAt])).toEqual([
      ['pause', null, 20],
      ['retry-issue', 'A-1', 20],
    ]);
    expect(await t.store.takeControls(21)).toEqual([]);
    await post('resume', null, 22);
    expect((await t.store.takeControls(23)).map((r) => r.kind)).toEqual(['resume']);
  });

  it('records what came of a request, and lists the latest first', async () => {
    const a = await post('lift-hold', 'circuit', 10);
    const b = await post('cancel-session', 'gone', 11);
    await t.store.takeControls(12);
    await t.store.answerControl(a.id, { at: 13, applied: true, result: 'lifted the circuit hold' });
    await t.store.answerControl(b.id, { at: 13, applied: false, result: 'no running session gone' });
    await t.store.answerControl(999_999, { at: 13, applied: true, result: 'ignored' });
    expect((await t.store.listControls(10)).map((r) => [r.id, r.takenAt, r.answeredAt, r.applied, r.result])).toEqual([
      [b.id, 12, 13, false, 'no running session gone'],
      [a.id, 12, 13, true, 'lifted the circuit hold'],
    ]);
    expect((await t.store.listControls(1)).map((r) => r.id)).toEqual([b.id]);
    expect(await t.store.listControls(0)).toEqual([]);
  });
}
