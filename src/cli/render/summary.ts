import type { RunSummary } from '../../runtime/coordinator-types.js';
import { renderMetricsTable } from '../../metrics/render.js';
import { terminalSafe } from '../../text/escape.js';

/** The final report of a run, as plain text; `width` is the terminal's, when there is one. */
export function renderSummary(summary: RunSummary, options: { width?: number } = {}): string {
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
  for (const f of summary.failures.slice(0, 20)) lines.push(terminalSafe(`  failed ${f.id}: ${f.reason ?? 'unknown reason'}`));
  if (summary.failures.length > 20) lines.push(`  … and ${summary.failures.length - 20} more`);
  if (summary.interrupted) lines.push('interrupted: run `harness run` again on the same state to continue');
  else if (summary.exitCode === 0) lines.push('all issues done');
  else lines.push(`${summary.failures.length} issue(s) failed`);
  return lines.join('\n');
}
