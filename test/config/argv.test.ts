import { describe, expect, it } from 'vitest';
import { splitCommandLine } from '../../src/config/argv.js';

describe('splitCommandLine', () => {
  it.each<[string, string[]]>([
    ['node agent.mjs', ['node', 'agent.mjs']],
    ['  node   agent.mjs\t--fast  ', ['node', 'agent.mjs', '--fast']],
    ['', []],
    ['claude -p "fix the bug"', ['claude', '-p', 'fix the bug']],
    ["echo 'a \"quoted\" $word'", ['echo', 'a "quoted" $word']],
    ['echo "say \\"hi\\""', ['echo', 'say "hi"']],
    ['echo "C:\\path"', ['echo', 'C:\\path']],
    ['echo a\\ b', ['echo', 'a b']],
    ["echo ''", ['echo', '']],
    ['echo pre"mid dle"post', ['echo', 'premid dlepost']],
    ['echo $HOME | cat > out', ['echo', '$HOME', '|', 'cat', '>', 'out']],
  ])('%j', (line, argv) => {
    expect(splitCommandLine(line)).toEqual(argv);
  });

  it.each<[string, RegExp]>([
    ["node 'agent.mjs", /unterminated single quote/],
    ['node "agent.mjs', /unterminated double quote/],
    ['node "a\\"', /unterminated double quote/],
    ['node agent\\', /lone backslash/],
  ])('rejects %j', (line, message) => {
    expect(() => splitCommandLine(line)).toThrow(message);
  });
});
