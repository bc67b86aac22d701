/**
 * GitHub issues (through `gh`) as a source. Listing takes the open issues
 * with the intake label (default `harness`) that no harness has taken or
 * given up on; a claim adds `harness:running` (and assigns, if asked);
 * done comments and closes (or, with pull requests, comments the link and
 * leaves the issue open); failed comments and labels `harness:failed`.
 * Blockers come from "blocked by #N" in the body and from GitHub's issue
 * dependencies where `gh api` shows them.
 */
import { TrackerError } from '../errors.js';
import { parseIssues } from './issues-file.js';
import { reportMarker } from './report-text.js';
import type { CallResult, TrackerCli, Verdict } from './tracker-cli.js';
import type { BacklogIssue, Listing, OutcomeReport, Source } from './types.js';

export const RUNNING_LABEL = 'harness:running';
export const FAILED_LABEL = 'harness:failed';

export interface GithubOptions {
  /** Issues with this label are the backlog. */
  label: string;
  /** At most this many are listed at a time. */
  limit: number;
  /** Assign claimed issues to the account gh is logged in as. */
  assign: boolean;
  /** Pull requests hold the work (merge mode `pr`): done comments the link and leaves the issue open. */
  pullRequests: boolean;
}

interface GhIssue {
  number: number;
  title: string;
  body?: string | null;
  url?: string;
  labels?: { name: string }[];
}

export class GithubSource implements Source {
  readonly kind = 'github';
  readonly tracked = true;
  readonly shown: string;
  /** gh api could not show dependencies (the host has none): not asked again. */
  private noDependencies = false;
  /** Each issue's dependencies, asked once per run: a listing every 30 s must not cost a call per issue. */
  private readonly blockersOf = new Map<number, string[]>();

  constructor(
    private readonly cli: TrackerCli,
    private readonly options: GithubOptions,
  ) {
    this.shown = `GitHub (${cli.program}, label ${options.label})`;
  }

  async list(): Promise<Listing> {
    const args = ['issue', 'list', '--json', 'number,title,body,labels,assignees,createdAt,url', '--state', 'open', '--label', this.options.label, '--limit', String(this.options.limit)];
    const out = await this.cli.call(args, 'list issues');
    let raw: unknown;
    try {
      raw = JSON.parse(out.trim() === '' ? '[]' : out);
    } catch {
      throw new TrackerError(`${this.cli.program} issue list printed something other than JSON: ${out.trim().slice(0, 120)}`, false);
    }
    if (!Array.isArray(raw)) throw new TrackerError(`${this.cli.program} issue list printed something other than a JSON array`, false);
    const open = (raw as GhIssue[]).filter((i) => !(i.labels ?? []).some((l) => l.name === RUNNING_LABEL || l.name === FAILED_LABEL));
    const records = [];
    for (const i of open) {
      const blockedBy = [...blockersInBody(i.body ?? ''), ...(await this.dependencies(i.number))];
      records.push({ id: typeof i.number === 'number' ? String(i.number) : i.number, title: i.title, body: i.body ?? '', labels: (i.labels ?? []).map((l) => l.name), url: i.url ?? null, blockedBy: [...new Set(blockedBy)].filter((b) => b !== String(i.number)) });
    }
    return parseIssues(JSON.stringify(records));
  }

  async claim(issue: BacklogIssue): Promise<boolean> {
    const args = ['issue', 'edit', issue.id, '--add-label', RUNNING_LABEL];
    if (this.options.assign) args.push('--add-assignee', '@me');
    await this.cli.call(args, `claim #${issue.id}`, refuseMissing);
    return true;
  }

  async report(report: OutcomeReport): Promise<void> {
    const n = report.issueId;
    const body = `${report.text}\n\n<!-- ${reportMarker(report.id)} -->`;
    // Labels first: changing them twice changes nothing, a comment posted twice is seen twice.
    if (report.kind === 'failed') {
      await this.cli.call(['issue', 'edit', n, '--add-label', FAILED_LABEL, '--remove-label', RUNNING_LABEL], `label #${n} failed`, refuseMissing);
      await this.cli.call(['issue', 'comment', n, '--body', body], `comment on #${n}`, refuseMissing, { once: true });
      return;
    }
    await this.cli.call(['issue', 'edit', n, '--remove-label', RUNNING_LABEL], `unlabel #${n}`, refuseMissing);
    // Made once: a comment that timed out may have been posted, and the sender looks for its marker before another.
    if (this.options.pullRequests) await this.cli.call(['issue', 'comment', n, '--body', body], `comment on #${n}`, refuseMissing, { once: true });
    else await this.cli.call(['issue', 'close', n, '--comment', body], `close #${n}`, refuseMissing, { once: true });
  }

  async hasReport(report: OutcomeReport): Promise<boolean> {
    const out = await this.cli.call(['issue', 'view', report.issueId, '--json', 'state,comments'], `read #${report.issueId}`, refuseMissing);
    const marker = reportMarker(report.id);
    try {
      const view = JSON.parse(out) as { comments?: { body?: string }[] };
      return (view.comments ?? []).some((c) => typeof c.body === 'string' && c.body.includes(marker));
    } catch {
      throw new TrackerError(`${this.cli.program} issue view printed something other than JSON`, false);
    }
  }

  async blockerState(issueId: string): Promise<'done' | 'failed' | 'pending'> {
    const out = await this.cli.call(['issue', 'view', issueId, '--json', 'state,labels'], `read #${issueId}`, refuseMissing);
    try {
      const view = JSON.parse(out) as { state?: string; labels?: { name: string }[] };
      if (String(view.state).toLowerCase() === 'closed') return 'done';
      return (view.labels ?? []).some((l) => l.name === FAILED_LABEL) ? 'failed' : 'pending';
    } catch {
      throw new TrackerError(`${this.cli.program} issue view printed something other than JSON`, false);
    }
  }

  abort(): void {
    this.cli.abort();
  }

  async release(issueId: string): Promise<void> {
    await this.cli.call(['issue', 'edit', issueId, '--remove-label', RUNNING_LABEL], `release #${issueId}`, refuseMissing);
  }

  /** GitHub's issue dependencies; a host without them (an older GitHub Enterprise) is not asked again. */
  private async dependencies(n: number): Promise<string[]> {
    if (this.noDependencies) return [];
    const known = this.blockersOf.get(n);
    if (known) return known;
    const found = await this.askDependencies(n);
    this.blockersOf.set(n, found);
    return found;
  }

  private async askDependencies(n: number): Promise<string[]> {
    let out: string;
    try {
      out = await this.cli.call(['api', `repos/{owner}/{repo}/issues/${n}/dependencies/blocked_by`], `read the blockers of #${n}`, (r) => (r.code === 0 ? 'ok' : /404|Not Found/i.test(r.stderr + r.stdout) ? 'refused' : 'retry'));
    } catch (error) {
      if (error instanceof TrackerError && error.refused) {
        this.noDependencies = true;
        return [];
      }
      throw error;
    }
    try {
      const list = JSON.parse(out) as { number?: number; state?: string }[];
      return Array.isArray(list) ? list.filter((b) => typeof b.number === 'number').map((b) => String(b.number)) : [];
    } catch {
      return [];
    }
  }
}

/** `blocked by #12`, `Blocked by: #3, #4` in an issue's body. */
export function blockersInBody(body: string): string[] {
  const found: string[] = [];
  for (const m of body.matchAll(/blocked[ -]by:?\s*((?:#\d+[\s,]*(?:and\s+)?)+)/gi)) {
    for (const n of m[1]!.matchAll(/#(\d+)/g)) found.push(n[1]!);
  }
  return found;
}

function refuseMissing(r: CallResult): Verdict {
  if (r.code === 0) return 'ok';
  return /could not resolve to an issue|not found|404/i.test(r.stderr + r.stdout) ? 'refused' : 'retry';
}
