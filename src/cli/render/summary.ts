import type { RunSummary } from '../../runtime/coordinator-types.js';
import { formatUsd, renderMetricsTable } from '../../metrics/render.js';
import { terminalSafe } from '../../text/escape.js';
import { renderFailureDetail, type FailureDetail } from './log-tail.js';

/**
 * The final report of a run, as plain text; `width` is the terminal's, when
 * there is one. Failures that carry their log (describeFailures) show its
 * path, relative to `cwd`, and its last lines.
 */
export function renderSummary(summary: RunSummary, options: { width?: number; cwd?: string } = {}): string {
  const i = summary.issues;
  const s = summary.sessions;
  const lines = [
    renderMetricsTable(summary.metrics, { width: options.width }),
    `issues: ${i.done} done, ${i.failed} failed, ${i.queued} queued, ${i.backlog} not admitted, ${i.running} running, ${i.merging} merging`,
    `sessions: ${Object.entries(s)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ') || 'none'}`,
  ];
  for (const f of summary.failures.slice(0, 20)) {
    lines.push(terminalSafe(`  failed ${f.id}: ${f.reason ?? 'unknown reason'}`));
    if ('log' in f) lines.push(...renderFailureDetail(f as FailureDetail, options.cwd));
  }
  if (summary.failures.length > 20) lines.push(`  … and ${summary.failures.length - 20} more`);
  const spent = summary.spent;
  if (spent && (spent.costUsd > 0 || spent.inputTokens > 0 || spent.outputTokens > 0)) {
    lines.push(`spent: ${formatUsd(spent.costUsd)}, ${spent.inputTokens} input and ${spent.outputTokens} output tokens`);
  }
  for (const hold of summary.holds ?? []) lines.push(terminalSafe(`held (${hold.kind}): ${hold.reason}; ${hold.fix}`));
  if (summary.exitCode === 3) lines.push('held with work left: fix what the hold says, then run `harness run` again to continue');
  else if (summary.interrupted) lines.push('interrupted: run `harness run` again on the same state to continue');
  else if (summary.exitCode === 0) lines.push('all issues done');
  else lines.push(`${summary.failures.length} issue(s) failed`);
  return lines.join('\n');
}

export { formatUsd };
