import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CappedLogWriter, truncationNotice } from '../../src/agents/log-writer.js';

describe('CappedLogWriter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'harness-log-'));
  afterEach(() => rmSync(join(dir, 'nested'), { recursive: true, force: true }));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates parent directories and appends to an existing log', () => {
    const path = join(dir, 'nested', 'deeper', 'a.log');
    const first = new CappedLogWriter(path, 100);
    first.write(Buffer.from('one\n'));
    first.close();
    const second = new CappedLogWriter(path, 100);
    second.write(Buffer.from('two\n'));
    second.close();
    expect(readFileSync(path, 'utf8')).toBe('one\ntwo\n');
  });

  it('writes up to the cap, then one notice, then nothing', () => {
    const path = join(dir, 'nested', 'b.log');
    const writer = new CappedLogWriter(path, 10);
    writer.write(Buffer.from('12345678'));
    expect(writer.truncated).toBe(false);
    writer.write(Buffer.from('abcdef'));
    writer.write(Buffer.from('more and more'));
    writer.close();
    expect(writer.truncated).toBe(true);
    expect(writer.bytesWritten).toBe(10);
    expect(readFileSync(path, 'utf8')).toBe(`12345678ab${truncationNotice(10)}`);
  });

  it('does not truncate output that exactly fills the cap', () => {
    const path = join(dir, 'nested', 'c.log');
    const writer = new CappedLogWriter(path, 4);
    writer.write(Buffer.from('abcd'));
    writer.close();
    expect(writer.truncated).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('abcd');
  });

  it('ignores writes after close', () => {
    const path = join(dir, 'nested', 'd.log');
    const writer = new CappedLogWriter(path, 100);
    writer.write(Buffer.from('early'));
    writer.close();
    writer.write(Buffer.from('late'));
    writer.close();
    expect(readFileSync(path, 'utf8')).toBe('early');
  });

  it('makes the file, and its directory, only when the first output arrives', () => {
    const path = join(dir, 'nested', 'e.log');
    const writer = new CappedLogWriter(path, 100);
    writer.write(Buffer.alloc(0));
    expect(existsSync(join(dir, 'nested'))).toBe(false);
    writer.write(Buffer.from('hello'));
    expect(readFileSync(path, 'utf8')).toBe('hello');
    writer.close();
    const silent = new CappedLogWriter(join(dir, 'nested', 'f.log'), 100);
    silent.close();
    silent.write(Buffer.from('after the end'));
    expect(existsSync(join(dir, 'nested', 'f.log'))).toBe(false);
  });

  it('goes on without a log that cannot be made, keeping the error', () => {
    mkdirSync(join(dir, 'nested'));
    writeFileSync(join(dir, 'nested', 'file'), '');
    const writer = new CappedLogWriter(join(dir, 'nested', 'file', 'g.log'), 100);
    writer.write(Buffer.from('lost'));
    writer.write(Buffer.from('also lost'));
    writer.close();
    expect(writer.error?.message).toMatch(/ENOTDIR/);
    expect(writer.bytesWritten).toBe(0);
  });

  it('names the cap in the notice', () => {
    expect(truncationNotice(2048)).toContain('[harness] log truncated at 2048 bytes; further output discarded');
  });
});
