/**
 * Named states of issues, sessions and workers.
 *
 * Issue transitions:
 *   backlog  → queued        admitted by intake (only while backpressure is off)
 *   queued   → running       a worker starts a session for it
 *   running  → done          session succeeded (shared workspace, or PR opened)
 *   running  → merging       session succeeded with commits on its branch (worktree mode)
 *   running  → queued        session failed / stalled / timed out with attempts left,
 *                            or was cancelled / lost (attempt refunded)
 *   running  → failed        session failed with no attempts left
 *   merging  → done          its merge landed
 *   merging  → queued|failed merge conflict or red verify
 *   backlog|queued → failed   a blocker failed (never ran)
 *
 * Worker transitions:
 *   idle → busy → idle        one session
 *   busy → draining → retired marked by scale-down or recycling while busy
 *   idle → retired            scale-down or recycling of an idle worker
 */
export const ISSUE_STATUSES = ['backlog', 'queued', 'running', 'merging', 'done', 'failed'] as const;
export type IssueStatus = (typeof ISSUE_STATUSES)[number];

/**
 * Session outcomes. `success` and `failure` come from the agent's exit (or
 * its final result event); `stalled` and `timeout` are kills by the
 * harness; `cancelled` is a second interrupt; `lost` is a session found
 * open after the harness itself died; `held` is a session that ran into
 * something every session would (an authentication failure, a usage
 * limit): the fleet is put on hold instead. `cancelled`, `lost` and `held`
 * do not spend an attempt.
 */
export const SESSION_OUTCOMES = ['success', 'failure', 'stalled', 'timeout', 'cancelled', 'lost', 'held'] as const;
export type SessionOutcome = (typeof SESSION_OUTCOMES)[number];

/** Outcomes that count as a failed session in metrics (cancelled/lost are not the agent's fault). */
export const FAILED_OUTCOMES: readonly SessionOutcome[] = ['failure', 'stalled', 'timeout'];

/** Outcomes that give the attempt back. */
export const REFUNDED_OUTCOMES: readonly SessionOutcome[] = ['cancelled', 'lost', 'held'];

export const WORKER_STATES = ['idle', 'busy', 'draining', 'retired'] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

export const HEALTH_STATES = ['healthy', 'degraded', 'unhealthy'] as const;
export type HealthStatus = (typeof HEALTH_STATES)[number];
