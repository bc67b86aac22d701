import { spawnSync } from 'node:child_process';

/**
 * Mount a small tmpfs at `dir` (which must exist): a real file system that
 * fills up, or refuses writes, as a disk would. Only root may mount; returns
 * false where that is not possible, so a test can fall back on something a
 * user can do (permissions, file size limits).
 */
export function mountTmpfs(dir: string, options: { sizeKb: number; readOnly?: boolean }): boolean {
  if (process.getuid?.() !== 0) return false;
  const flags = [`size=${options.sizeKb}k`, ...(options.readOnly ? ['ro'] : [])].join(',');
  return spawnSync('mount', ['-t', 'tmpfs', '-o', flags, 'tmpfs', dir], { stdio: 'ignore' }).status === 0;
}

/** Undo mountTmpfs (lazily, so an open file left by a failed test cannot keep it mounted). */
export function unmount(dir: string): void {
  spawnSync('umount', ['-l', dir], { stdio: 'ignore' });
}
