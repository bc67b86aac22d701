import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory/index.js';
import { describeStoreConformance } from './conformance/index.js';

describeStoreConformance('MemoryStore', () => ({ store: new MemoryStore(), location: ':memory:', cleanup: () => {} }));

describe('MemoryStore', () => {
  it('hands out copies, so callers cannot change stored rows', () => {
    const store = new MemoryStore();
    store.importIssues([{ id: 'a', title: 't', body: 'b', priority: 1, labels: ['x'] }], 1);
    const row = store.getIssue('a')!;
    row.labels.push('mutated');
    row.status = 'done';
    expect(store.getIssue('a')).toMatchObject({ labels: ['x'], status: 'backlog' });
  });

  it('still queues the reports of tracked issues when it forgets done issues', () => {
    const store = new MemoryStore({ retainFinished: false });
    store.trackIssues([{ id: 'a', source: 'beads', url: null }]);
    store.importIssues(['a', 'b'].map((id) => ({ id, title: '', body: '', priority: 2, labels: [] })), 1);
    store.admit(2, 1);
    for (const id of ['a', 'b']) {
      store.claim({ sessionId: `s-${id}`, workerId: 'w', now: 2, logPath: () => null, issueId: id });
      store.finishSession(`s-${id}`, { outcome: 'success', endedAt: 3 }, { status: 'done' });
    }
    expect(store.getIssue('a')).toBeUndefined();
    expect(store.unsettledReports(10).map((r) => [r.issueId, r.kind, r.createdAt])).toEqual([['a', 'done', 3]]);
  });

  it('keeps dispatch order across many interleaved retries', () => {
    // Cross-check the heaps against a plain sort over a mixed workload.
    const store = new MemoryStore();
    const count = 300;
    store.importIssues(
      Array.from({ length: count }, (_, i) => ({ id: `i${i}`, title: '', body: '', priority: (i * 7) % 4, labels: [] })),
      0,
    );
    store.admit(count, 0);
    for (let now = 1; now <= 200; now++) {
      const expected = store
        .listIssues('queued')
        .filter((r) => r.notBefore === null || r.notBefore <= now)[0];
      const sessionId = `s${now}`;
      const next = store.claim({ sessionId, workerId: 'w', now, logPath: () => null }).issue;
      expect(next?.id).toBe(expected?.id);
      if (!next) continue;
      const retry = now % 3 !== 0;
      store.finishSession(
        sessionId,
        { outcome: retry ? 'failure' : 'success', endedAt: now },
        retry ? { status: 'queued', notBefore: now + (now % 11) } : { status: 'done' },
      );
    }
  });
});
