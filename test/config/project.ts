import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

const created: string[] = [];

afterEach(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A temporary directory holding `files` (relative path → contents), removed
 * after the test. The path is resolved through symlinks so it compares
 * equal to the paths cosmiconfig reports.
 */
export function makeProject(files: Record<string, string>): string {
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'harness-config-')));
  created.push(root);
  for (const [name, contents] of Object.entries(files)) {
    const file = path.join(root, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, contents);
  }
  return root;
}

export const PACKAGE_JSON = JSON.stringify({ name: 'fixture-project', private: true });

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
