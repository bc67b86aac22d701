/**
 * Reading a file the user named (an issues file, a scenario, a config file)
 * as text: a clear message for a path that is missing or is a directory, and
 * for a file that is not UTF-8 text; a UTF-8 byte order mark is dropped.
 */
import { isUtf8 } from 'node:buffer';
import { readFileSync, statSync } from 'node:fs';
import { InputError } from '../errors.js';
import { terminalSafe } from './escape.js';

/** What the file is for, as the messages name it. */
export interface InputFileRole {
  /** "issues file", "scenario file". */
  what: string;
  /** How to fix a wrong path: "pass --issues <file>: JSON Lines or a JSON array of issues". */
  fix: string;
}

const BOM = '\uFEFF';

/** `text` without a leading UTF-8 byte order mark (which editors on Windows write). */
export function stripBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(1) : text;
}

/**
 * Why `path` cannot be read as the given kind of file, or null when it can
 * be: missing, a directory, unreadable. Used before handing a path to a
 * reader that would give a less helpful error.
 */
export function pathProblem(path: string, shown: string, role: InputFileRole): string | null {
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `${role.what} not found: ${terminalSafe(shown)}; ${role.fix}`;
    return `cannot read ${role.what} ${terminalSafe(shown)}: ${code ?? (error as Error).message}`;
  }
  return stat.isDirectory() ? directoryMessage(shown, role) : null;
}

/** The message for a path that names a directory where a file is wanted, or null when it does not. */
export function directoryProblem(path: string, shown: string, role: InputFileRole): string | null {
  try {
    return statSync(path).isDirectory() ? directoryMessage(shown, role) : null;
  } catch {
    return null;
  }
}

function directoryMessage(shown: string, role: InputFileRole): string {
  return `${terminalSafe(shown)} is a directory, not ${article(role.what)}; ${role.fix}`;
}

/** The text of a file the user named, checked to be UTF-8 text. Throws InputError otherwise. */
export function readTextInput(path: string, shown: string, role: InputFileRole): string {
  const problem = pathProblem(path, shown, role);
  if (problem) throw new InputError(problem);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new InputError(`cannot read ${role.what} ${terminalSafe(shown)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const notText = notTextReason(bytes);
  if (notText) throw new InputError(`${terminalSafe(shown)} cannot be ${article(role.what)}: ${notText}; ${role.fix}`);
  return stripBom(bytes.toString('utf8'));
}

/** "an issues file", "a scenario file". */
function article(what: string): string {
  return `${/^[aeiou]/i.test(what) ? 'an' : 'a'} ${what}`;
}

/**
 * Why `bytes` are not UTF-8 text, or null when they are. A NUL byte never
 * occurs in JSON or YAML text (inside a string it must be written \u0000),
 * so one means a binary file (or UTF-16, which is named as such).
 */
export function notTextReason(bytes: Uint8Array): string | null {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return 'it is UTF-16 text; save it as UTF-8';
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) return `it holds a NUL byte at offset ${nul}, so it looks like a binary file`;
  if (!isUtf8(bytes)) return `it is not valid UTF-8 (the first bad byte is at offset ${firstInvalidUtf8(bytes)})`;
  return null;
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    // Overlong forms, surrogates (U+D800–U+DFFF) and code points above U+10FFFF.
    const second = bytes[i + 1] ?? 0;
    if (lead === 0xe0 && second < 0xa0) return i;
    if (lead === 0xed && second >= 0xa0) return i;
    if (lead === 0xf0 && second < 0x90) return i;
    if (lead === 0xf4 && second >= 0x90) return i;
    i += length;
  }
  return i;
}
