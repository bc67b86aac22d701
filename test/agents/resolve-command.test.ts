import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveAgentCommand, shellWord } from '../../src/agents/resolve-command.js';
import { UsageError } from '../../src/errors.js';
import { tempDir } from '../helpers/cli.js';

const temps: { cleanup(): void }[] = [];
afterEach(() => temps.splice(0).forEach((t) => t.cleanup()));

/** A project directory with an executable, a plain file, a directory and a bin/ for PATH. */
function project() {
  const tmp = tempDir('harness-resolve-');
  temps.push(tmp);
  const dir = tmp.dir;
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'agent.sh'), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(dir, 'bin', 'agent'), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(dir, 'plain.sh'), '#!/bin/sh\n');
  chmodSync(join(dir, 'plain.sh'), 0o644);
  writeFileSync(join(dir, 'bin', 'plain-on-path'), '#!/bin/sh\n');
  chmodSync(join(dir, 'bin', 'plain-on-path'), 0o644);
  mkdirSync(join(dir, 'tools'));
  return dir;
}

function refusal(command: string[], cwd: string, env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin' }): string {
  try {
    resolveAgentCommand(command, { cwd, env });
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${command.join(' ')} was accepted`);
}

describe('resolveAgentCommand', () => {
  it('makes a relative path absolute, from the directory harness started in, keeping the arguments', () => {
    const dir = project();
    expect(resolveAgentCommand(['./agent.sh', '--flag', 'x y'], { cwd: dir, env: {} })).toEqual([join(dir, 'agent.sh'), '--flag', 'x y']);
    expect(resolveAgentCommand(['bin/agent'], { cwd: dir, env: {} })).toEqual([join(dir, 'bin', 'agent')]);
    expect(resolveAgentCommand([join(dir, 'agent.sh')], { cwd: '/', env: {} })).toEqual([join(dir, 'agent.sh')]);
  });

  it('keeps a bare name found on an absolute PATH entry, and resolves one found through a relative entry', () => {
    const dir = project();
    expect(resolveAgentCommand(['agent', '-p'], { cwd: dir, env: { PATH: `/nonexistent:${join(dir, 'bin')}` } })).toEqual(['agent', '-p']);
    expect(resolveAgentCommand(['agent'], { cwd: dir, env: { PATH: 'bin' } })).toEqual([join(dir, 'bin', 'agent')]);
  });

  it('says a file that exists but is not executable is not executable, with the chmod that fixes it', () => {
    const dir = project();
    expect(refusal(['./plain.sh'], dir)).toBe(`agent command ./plain.sh is not executable: chmod +x ${join(dir, 'plain.sh')} (or run it through its interpreter, e.g. --agent "sh ./plain.sh")`);
    expect(refusal(['plain-on-path'], dir, { PATH: join(dir, 'bin') })).toMatch(/^agent command plain-on-path is not executable: chmod \+x .*\/bin\/plain-on-path /);
  });

  it('says what is missing, and where it looked', () => {
    const dir = project();
    expect(refusal(['./nope.sh'], dir)).toBe(`agent command not found: ./nope.sh (looked for ${join(dir, 'nope.sh')}). Install it, or set agent.command in the config file or --agent "<command line>"`);
    expect(refusal(['no-such-agent-xyz'], dir)).toMatch(/^agent command not found: no-such-agent-xyz \(not on PATH\)/);
    expect(refusal(['tools/'], dir)).toMatch(/^agent command tools\/ is a directory: pass the program to run/);
    expect(refusal([], dir)).toMatch(/^agent.command is empty/);
  });
});

describe('shellWord', () => {
  it.each([
    ['/usr/bin/agent', '/usr/bin/agent'],
    ['/tmp/my agent.sh', "'/tmp/my agent.sh'"],
    ["it's", `'it'\\''s'`],
  ])('%j → %s', (text, word) => expect(shellWord(text)).toBe(word));
});
