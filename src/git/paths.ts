import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';

/** A path as git reports it: symlinks resolved (a temporary directory under a symlinked /tmp), or just absolute when it does not exist. */
export function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Paths compared the way git reports them. */
export function samePath(a: string, b: string): boolean {
  return canonical(a) === canonical(b);
}

/** True when `path` lies strictly inside `root` (not `root` itself). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(canonical(root), canonical(path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
