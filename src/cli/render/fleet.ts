import type { FleetStatus } from '../../runtime/coordinator-types.js';
import { terminalSafe } from '../../text/escape.js';
import { formatUsd } from '../../metrics/render.js';

/**
 * The lines under the live table: each hold on now with what ends it, what
 * the state has spent, and the concurrency while rate limits lower it.
 * Empty when there is nothing to say (a text agent, no hold, full
 * concurrency). Hold reasons hold agent text: escaped.
 */
export function renderFleet(fleet: FleetStatus): string[] {
  const lines = fleet.holds.map((hold) => terminalSafe(`⏸ on hold (${hold.kind}): ${hold.reason} · ${hold.fix}`));
  const parts: string[] = [];
  const { spent, concurrency } = fleet;
  if (spent.costUsd > 0 || spent.inputTokens > 0 || spent.outputTokens > 0) {
    parts.push(`spent ${formatUsd(spent.costUsd)} · ${spent.inputTokens} input / ${spent.outputTokens} output tokens`);
  }
  if (concurrency.limit < concurrency.max) parts.push(`concurrency ${concurrency.limit} of ${concurrency.max} (the provider is rate-limiting)`);
  if (parts.length > 0) lines.push(parts.join(' · '));
  return lines;
}
