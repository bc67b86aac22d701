import { describe, expect, it } from 'vitest';
import { renderPrompt } from '../../src/agents/prompt.js';
import { issue } from './helpers.js';

describe('renderPrompt', () => {
  const base = issue({ id: 'BD-7', title: 'Fix login', body: 'Steps:\n1. open', priority: 0, labels: ['bug', 'auth'] });

  it.each([
    ['{{id}}', 'BD-7'],
    ['{{title}}', 'Fix login'],
    ['{{body}}', 'Steps:\n1. open'],
    ['{{priority}}', '0'],
    ['{{labels}}', 'bug, auth'],
    ['{{attempt}}', '3'],
    ['{{ id }}', 'BD-7'],
    ['[{{id}}] {{title}} (try {{attempt}})', '[BD-7] Fix login (try 3)'],
    ['{{unknown}} stays', '{{unknown}} stays'],
    ['no placeholders', 'no placeholders'],
  ])('renders %j', (template, expected) => {
    expect(renderPrompt(template, base, 3)).toBe(expected);
  });

  it('never expands placeholders that come from the issue', () => {
    const tricky = issue({ title: 'see {{body}} and {{id}}', body: 'secret $1 $& {{title}}' });
    expect(renderPrompt('{{title}} / {{body}}', tricky, 1)).toBe('see {{body}} and {{id}} / secret $1 $& {{title}}');
  });

  it('renders empty labels as an empty string', () => {
    expect(renderPrompt('labels=[{{labels}}]', issue({ labels: [] }), 1)).toBe('labels=[]');
  });
});
