/**
 * What the coordinator is told of a run's agent and limits, from the
 * resolved config: how the agent's output is read, whether retries resume
 * its conversation, the holds' rules, the budgets and the host limits.
 */
import type { AgentInvocation } from '../agents/invocation.js';
import type { HarnessConfig } from '../config/types.js';
import { DEFAULT_HOLD_RULES } from '../core/run/rules.js';
import type { RunSettings } from '../runtime/coordinator-types.js';

export function runSettings(config: HarnessConfig, agent: Pick<AgentInvocation, 'format' | 'resume'>): Omit<RunSettings, 'logDir' | 'progressPersistMs'> {
  return {
    maxAttempts: config.maxAttempts,
    sessionTimeoutMs: config.sessionTimeoutMs,
    retryDelayMs: config.retryDelayMs,
    // A text agent is judged by its exit code; every other format by what it says.
    agentFormat: agent.format === 'text' ? null : agent.format,
    resume: agent.resume && agent.format !== 'text',
    holds: { ...DEFAULT_HOLD_RULES, onHold: config.onHold, circuitBreakerAfter: config.circuitBreaker },
    budgets: {
      maxCostUsd: config.maxCostUsd,
      maxTokens: config.maxTokens,
      issueMaxCostUsd: config.issueMaxCostUsd,
      issueMaxTokens: config.issueMaxTokens,
    },
    adaptiveConcurrency: true,
    host: { maxLoad: config.host.maxLoad, minFreeMemory: config.host.minFreeMemory },
  };
}
