import { describe, expect, it } from 'vitest';
import { coerceText, mergeLayers, nestFields, parseLayer } from '../../src/config/layers.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';

const label = (path: string) => path || 'file';

describe('parseLayer', () => {
  it('flattens a valid layer to field paths', () => {
    expect(parseLayer({ maxWorkers: 6, agent: { command: 'node a.mjs' } }, label)).toEqual({
      values: { maxWorkers: 6, 'agent.command': ['node', 'a.mjs'] },
      problems: [],
    });
  });

  it('keeps the valid fields of an invalid layer', () => {
    const layer = parseLayer({ minWorkers: 'four', maxWorkers: 6, agent: { prompt: 'p', cmd: 1 } }, label);
    expect(layer.values).toEqual({ maxWorkers: 6, 'agent.prompt': 'p' });
    expect(layer.problems).toHaveLength(2);
  });

  it('keeps nothing from a layer that is not an object', () => {
    expect(parseLayer([1, 2], label)).toEqual({
      values: {},
      problems: ['file: expected an object of settings, received [1,2]'],
    });
  });
});

describe('coerceText', () => {
  it.each<[Parameters<typeof coerceText>[0], unknown, unknown]>([
    ['maxWorkers', '12', 12],
    ['maxWorkers', ' 12 ', 12],
    ['maxWorkers', '-1', -1],
    ['maxWorkers', 'abc', 'abc'],
    ['scaleUpThreshold', '1.5', 1.5],
    ['workerStallTimeoutMs', '30000', '30000'],
    ['state', '12', '12'],
    ['maxWorkers', 7, 7],
  ])('%s %j → %j', (path, value, expected) => {
    expect(coerceText(path, value)).toEqual(expected);
  });
});

describe('nestFields', () => {
  it('rebuilds the nested shape', () => {
    const entries = new Map<Parameters<typeof coerceText>[0], unknown>([
      ['maxWorkers', 3],
      ['agent.command', 'x'],
      ['agent.prompt', 'y'],
    ]);
    expect(nestFields(entries)).toEqual({ maxWorkers: 3, agent: { command: 'x', prompt: 'y' } });
  });
});

describe('mergeLayers', () => {
  it('applies layers lowest first and records sources', () => {
    const merged = mergeLayers(DEFAULT_CONFIG, [
      { values: { maxWorkers: 6, 'agent.prompt': 'a' }, problems: [], source: () => ({ kind: 'file', path: '/f' }) },
      { values: { maxWorkers: 9 }, problems: [], source: () => ({ kind: 'env', variable: 'V' }) },
    ]);
    expect(merged.config).toEqual({ ...DEFAULT_CONFIG, maxWorkers: 9, agent: { ...DEFAULT_CONFIG.agent, prompt: 'a' } });
    expect(merged.sources.maxWorkers).toEqual({ kind: 'env', variable: 'V' });
    expect(merged.sources['agent.prompt']).toEqual({ kind: 'file', path: '/f' });
    expect(merged.sources['agent.command']).toEqual({ kind: 'default' });
  });

  it('does not share the default argv array', () => {
    const merged = mergeLayers(DEFAULT_CONFIG, []);
    merged.config.agent.command.push('--extra');
    expect(DEFAULT_CONFIG.agent.command).not.toContain('--extra');
  });
});
