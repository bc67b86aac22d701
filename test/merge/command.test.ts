import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { truncationNotice } from '../../src/agents/log-writer.js';
import { runCommand } from '../../src/merge/command.js';
import { realClock } from '../../src/runtime/clock.js';
import { tempDir } from '../helpers/cli.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.forEach((c) => c());
  cleanups = [];
});

function options(logMaxBytes: number) {
  const tmp = tempDir('harness-command-');
  cleanups.push(tmp.cleanup);
  return { cwd: tmp.dir, logPath: join(tmp.dir, 'logs', 'verify.log'), logMaxBytes, env: { PATH: process.env.PATH }, clock: realClock, timeoutMs: 30_000, killGraceMs: 500 };
}

describe('runCommand (verify and setup)', () => {
  it('logs the command line and both streams, to the last line before exit', async () => {
    const o = options(1024 * 1024);
    const result = await runCommand([process.execPath, '-e', 'console.log("out"); console.error("err"); process.stdout.write("last")'], o);
    expect(result).toMatchObject({ ok: true, exitCode: 0, timedOut: false });
    const log = readFileSync(o.logPath, 'utf8');
    expect(log.split('\n')[0]).toMatch(/^\$ .*node/);
    for (const text of ['out', 'err', 'last']) expect(log).toContain(text);
  });

  it('caps the log of a command that floods its output, and still reports its exit', async () => {
    const o = options(64 * 1024);
    const flood = 'const b = Buffer.alloc(1 << 20, 120); for (let i = 0; i < 20; i++) process.stdout.write(b); process.exitCode = 3;';
    const result = await runCommand([process.execPath, '-e', flood], o);
    expect(result).toMatchObject({ ok: false, exitCode: 3 });
    const log = readFileSync(o.logPath, 'utf8');
    expect(log.endsWith(truncationNotice(64 * 1024))).toBe(true);
    expect(statSync(o.logPath).size).toBeLessThan(64 * 1024 + 1024);
  });
});
