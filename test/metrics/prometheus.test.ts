import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { percentile } from '../../src/core/metrics.js';
import { collectPrometheus, SESSION_DURATION_BUCKETS_SECONDS } from '../../src/metrics/prometheus.js';
import { makeStore, recordSessions, seeded, type SessionSpec, type TestStore } from './helpers.js';

const T0 = Date.UTC(2025, 0, 1);
let stores: TestStore[] = [];
afterEach(() => {
  stores.forEach((s) => s.cleanup());
  stores = [];
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A strict reader of the text exposition format 0.0.4: every line is a
 * comment (# HELP / # TYPE), blank, or `name{label="value",…} number`.
 */
function parseExposition(text: string): { help: Map<string, string>; type: Map<string, string>; samples: Sample[] } {
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const samples: Sample[] = [];
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (comment) {
      (comment[1] === 'HELP' ? help : type).set(comment[2]!, comment[3]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\})? (\S+)$/.exec(line);
    expect(sample, `not a valid sample line: ${line}`).not.toBeNull();
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample![2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    const raw = sample![3]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    expect(Number.isNaN(value), `not a number: ${line}`).toBe(false);
    samples.push({ name: sample![1]!, labels, value });
  }
  return { help, type, samples };
}

const family = (name: string) => name.replace(/_(bucket|sum|count)$/, '');

describe('Prometheus exposition', () => {
  it('parses back, every family has HELP and TYPE, and the numbers match the store', async () => {
    const t = makeStore();
    stores.push(t);
    const rnd = seeded(5);
    const specs: SessionSpec[] = Array.from({ length: 200 }, (_, i) => {
      const startedAt = T0 + i * 1000;
      // From under 10 s to over 4 h, so the first and the +Inf buckets both get sessions.
      const durationMs = Math.floor(Math.exp(rnd() * Math.log(20_000_000)));
      const outcome = (['success', 'success', 'success', 'failure', 'stalled', 'timeout', 'cancelled', 'lost'] as const)[Math.floor(rnd() * 8)]!;
      return { issueId: `i${i}`, startedAt, endedAt: startedAt + durationMs, outcome, then: 'done' };
    });
    recordSessions(t.store, specs);
    t.store.importIssues([{ id: 'waiting', title: 'w', body: '', priority: 2, labels: [] }], T0);
    t.store.admit(1, T0);
    t.store.recordScaleOperation({ at: T0, direction: 'up', from: 2, to: 4, reason: 'r' });
    t.store.recordScaleOperation({ at: T0 + 1, direction: 'up', from: 4, to: 8, reason: 'r' });
    t.store.recordScaleOperation({ at: T0 + 2, direction: 'down', from: 8, to: 4, reason: 'r' });
    t.store.recordBackpressure({ at: T0 + 3, active: true, queueDepth: 101 });

    const text = await collectPrometheus(t.reader(), { state: t.path, hostname: hostname(), isAlive: () => false, now: 0 });
    const { help, type, samples } = parseExposition(text);
    for (const sample of samples) {
      expect(help.has(family(sample.name)), `HELP for ${sample.name}`).toBe(true);
      expect(type.has(family(sample.name)), `TYPE for ${sample.name}`).toBe(true);
    }
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

    expect(type.get('harness_sessions_total')).toBe('counter');
    for (const outcome of ['success', 'failure', 'stalled', 'timeout', 'cancelled', 'lost']) {
      expect(value('harness_sessions_total', { outcome }), outcome).toBe(specs.filter((s) => s.outcome === outcome).length);
    }
    expect(value('harness_scale_operations_total', { direction: 'up' })).toBe(2);
    expect(value('harness_scale_operations_total', { direction: 'down' })).toBe(1);
    expect(value('harness_backpressure_activations_total')).toBe(1);
    expect(value('harness_queue_depth')).toBe(1);
    expect(value('harness_issues', { status: 'done' })).toBe(200);
    expect(value('harness_run_live')).toBe(0);
    expect(samples.filter((s) => s.name === 'harness_health').map((s) => [s.labels.state, s.value]).filter(([, v]) => v === 1)).toHaveLength(1);
    expect(samples.filter((s) => s.name === 'harness_workers').map((s) => s.labels.state)).toEqual(['idle', 'busy', 'stalled']);

    // The histogram: cumulative buckets in order, +Inf equal to _count, and counts equal to the sessions in each bucket.
    expect(type.get('harness_session_duration_seconds')).toBe('histogram');
    const counted = specs.filter((s) => ['success', 'failure', 'stalled', 'timeout'].includes(s.outcome!));
    const durations = counted.map((s) => (s.endedAt! - s.startedAt) / 1000);
    const buckets = samples.filter((s) => s.name === 'harness_session_duration_seconds_bucket');
    expect(buckets.map((b) => b.labels.le)).toEqual([...SESSION_DURATION_BUCKETS_SECONDS.map(String), '+Inf']);
    buckets.forEach((bucket, i) => {
      if (i > 0) expect(bucket.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
      const le = bucket.labels.le === '+Inf' ? Infinity : Number(bucket.labels.le);
      expect(bucket.value, `le=${bucket.labels.le}`).toBe(durations.filter((d) => d <= le).length);
    });
    expect(buckets[0]!.value).toBeGreaterThan(0);
    expect(buckets.at(-1)!.value - buckets.at(-2)!.value).toBeGreaterThan(0);
    expect(value('harness_session_duration_seconds_count')).toBe(counted.length);
    expect(buckets.at(-1)!.value).toBe(value('harness_session_duration_seconds_count'));
    expect(value('harness_session_duration_seconds_sum')).toBeCloseTo(durations.reduce((a, b) => a + b, 0), 3);
    expect(value('harness_session_duration_quantile_seconds', { quantile: '0.95' })).toBe(percentile(durations, 0.95));
    expect(value('harness_success_ratio')).toBeCloseTo(counted.filter((s) => s.outcome === 'success').length / counted.length, 12);
  });

  it('is valid on an empty store', async () => {
    const t = makeStore();
    stores.push(t);
    const { samples } = parseExposition(await collectPrometheus(t.reader(), { state: t.path, hostname: hostname(), isAlive: () => false, now: T0 }));
    expect(samples.find((s) => s.name === 'harness_session_duration_seconds_count')?.value).toBe(0);
    expect(samples.find((s) => s.name === 'harness_success_ratio')?.value).toBe(1);
  });
});
