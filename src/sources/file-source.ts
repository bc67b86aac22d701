/**
 * The issues file as a source: every valid record is ready (its blockers
 * are the intake's business), nothing is claimed or reported. Listed again
 * (`--watch`), the file is read again only when it changed.
 */
import { statSync } from 'node:fs';
import { InputError } from '../errors.js';
import { readIssuesFile } from './issues-file.js';
import type { BacklogIssue, Listing, Source } from './types.js';

export class FileSource implements Source {
  readonly kind = 'file';
  readonly tracked = false;
  private seen: { mtimeMs: number; size: number; ino: number } | null = null;
  private last: Listing = { issues: [], problems: [] };
  private lastProblem: string | null = null;

  /**
   * `first`: what prepareRun already read (the run checks it before opening
   * anything); later listings read the file again when it changed. Invalid
   * records of a later read are skipped and reported, whatever
   * `skipInvalid` says: a run that is watching goes on.
   */
  constructor(
    private readonly path: string,
    readonly shown: string,
    first: Listing,
  ) {
    this.seen = this.stamp();
    this.last = first;
  }

  /** The issues of the first reading. */
  first(): BacklogIssue[] {
    return this.last.issues;
  }

  async list(): Promise<Listing> {
    const now = this.stamp();
    const seen = this.seen;
    if (now && seen && now.mtimeMs === seen.mtimeMs && now.size === seen.size && now.ino === seen.ino) return { issues: this.last.issues, problems: [] };
    try {
      const parsed = readIssuesFile(this.path, { skipInvalid: true });
      this.seen = now;
      this.last = parsed;
      return parsed;
    } catch (error) {
      // A file being rewritten, emptied or removed reads as nothing new, said once until it changes again.
      if (!(error instanceof InputError)) throw error;
      this.seen = now;
      const said = this.lastProblem === error.message;
      this.lastProblem = error.message;
      return { issues: [], problems: said ? [] : [error.message] };
    }
  }

  async claim(): Promise<boolean> {
    return true;
  }

  async report(): Promise<void> {}

  async hasReport(): Promise<boolean> {
    return true;
  }

  async release(): Promise<void> {}

  private stamp(): { mtimeMs: number; size: number; ino: number } | null {
    try {
      const s = statSync(this.path);
      return { mtimeMs: s.mtimeMs, size: s.size, ino: s.ino };
    } catch {
      return null;
    }
  }
}
