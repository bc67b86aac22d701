/**
 * beads (`bd`) as a source. Listing is `bd ready --json` (open issues with
 * no open blocker); a claim is `bd update <id> --claim`, which fails when
 * someone else has the issue; done is `bd close <id> --reason …`; failed
 * puts the issue back to open with a note, for a person or a later run.
 * Each report carries a marker, so after a crash `bd show` tells whether
 * it was taken.
 */
import { TrackerError } from '../errors.js';
import { parseIssues } from './issues-file.js';
import { reportMarker } from './report-text.js';
import type { CallResult, TrackerCli, Verdict } from './tracker-cli.js';
import type { BacklogIssue, Listing, OutcomeReport, Source } from './types.js';

export class BeadsSource implements Source {
  readonly kind = 'beads';
  readonly tracked = true;
  readonly shown: string;

  constructor(private readonly cli: TrackerCli) {
    this.shown = `beads (${cli.program})`;
  }

  async list(): Promise<Listing> {
    const out = await this.cli.call(['ready', '--json'], 'list ready issues');
    const parsed = parseListing(out);
    if (parsed === null) throw new TrackerError(`${this.cli.program} ready --json printed something other than a JSON array of issues: ${out.trim().slice(0, 120)}`, false);
    const listing = parseIssues(JSON.stringify(parsed));
    return { issues: listing.issues.map(withBeadsText(parsed)), problems: listing.problems };
  }

  async claim(issue: BacklogIssue): Promise<boolean> {
    let taken = false;
    await this.cli.call(['update', issue.id, '--claim'], `claim ${issue.id}`, (r) => {
      if (r.code === 0) return 'ok';
      if (/already claimed|claimed by/i.test(r.stderr + r.stdout)) {
        taken = true;
        return 'ok';
      }
      return notFound(r) ? 'refused' : 'retry';
    });
    return !taken;
  }

  async report(report: OutcomeReport): Promise<void> {
    const text = `${report.text} ${reportMarker(report.id)}`;
    // Each is made once: a call that timed out may have taken effect, and the sender looks for its marker before another.
    if (report.kind === 'done') await this.cli.call(['close', report.issueId, '--reason', text], `close ${report.issueId}`, refuseMissing, { once: true });
    else await this.cli.call(['update', report.issueId, '--status', 'open', '--append-notes', text], `report ${report.issueId} failed`, refuseMissing, { once: true });
  }

  async hasReport(report: OutcomeReport): Promise<boolean> {
    const shown = await this.show(report.issueId);
    if (shown === null) return false;
    const marker = reportMarker(report.id);
    const said = [shown.notes, shown.close_reason, shown.reason].some((t) => typeof t === 'string' && t.includes(marker));
    return said || (report.kind === 'done' && shown.status === 'closed');
  }

  async blockerState(issueId: string): Promise<'done' | 'failed' | 'pending'> {
    const shown = await this.show(issueId);
    return shown?.status === 'closed' ? 'done' : 'pending';
  }

  abort(): void {
    this.cli.abort();
  }

  async release(issueId: string): Promise<void> {
    await this.cli.call(['update', issueId, '--status', 'open'], `release ${issueId}`, refuseMissing);
  }

  /** `bd show <id> --json`: one issue (some versions print it in a one-item array), or null when there is none. */
  private async show(issueId: string): Promise<Record<string, unknown> | null> {
    let missing = false;
    const out = await this.cli.call(['show', issueId, '--json'], `read ${issueId}`, (r) => {
      if (r.code === 0) return 'ok';
      if (notFound(r)) {
        missing = true;
        return 'ok';
      }
      return 'retry';
    });
    if (missing) return null;
    let value: unknown;
    try {
      value = JSON.parse(out);
    } catch {
      throw new TrackerError(`${this.cli.program} show ${issueId} --json printed something other than JSON`, false);
    }
    const one = Array.isArray(value) ? value[0] : value;
    return typeof one === 'object' && one !== null ? (one as Record<string, unknown>) : null;
  }
}

function parseListing(out: string): unknown[] | null {
  const text = out.trim();
  if (text === '' || text === 'null') return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/** beads keeps design notes and acceptance criteria apart from the description: the agent gets them all. */
function withBeadsText(raw: unknown[]): (issue: BacklogIssue) => BacklogIssue {
  const byId = new Map<string, Record<string, unknown>>();
  for (const r of raw) if (typeof r === 'object' && r !== null) byId.set(String((r as Record<string, unknown>).id), r as Record<string, unknown>);
  return (issue) => {
    const r = byId.get(issue.id);
    if (!r) return issue;
    const parts = [issue.body];
    for (const [field, title] of [['design', 'Design'], ['acceptance_criteria', 'Acceptance criteria']] as const) {
      const text = r[field];
      if (typeof text === 'string' && text.trim() !== '') parts.push(`${title}:\n${text}`);
    }
    return { ...issue, body: parts.filter((p) => p !== '').join('\n\n') };
  };
}

function notFound(r: CallResult): boolean {
  return /not found|no issue|does not exist/i.test(r.stderr + r.stdout);
}

function refuseMissing(r: CallResult): Verdict {
  if (r.code === 0) return 'ok';
  return notFound(r) ? 'refused' : 'retry';
}
