/**
 * @workwayco/harness: run a fleet of coding agents through a backlog of
 * issues. The seed API (Coordinator, ScaleManager, WorkerPool,
 * createScaleManager, DEFAULT_SCALE_CONFIG) plus the pieces it is built from.
 */
export { VERSION } from './version.js';
export { Coordinator } from './runtime/coordinator.js';
export type { CoordinatorOptions, HarnessState, ProcessInspector, RunSettings, RunSummary, SessionHooks, WorkspaceProvider, WorkspaceRequest } from './runtime/coordinator-types.js';
export { ScaleManager, createScaleManager, type MergeQueueProbe, type ScaleManagerDeps, type ScalePolicy } from './runtime/scale-manager.js';
export { WorkerPool, type Worker, type WorkerPoolOptions } from './runtime/worker-pool.js';
export { VirtualClock, realClock, type Clock, type TimerHandle } from './runtime/clock.js';
export { systemProcesses } from './runtime/processes.js';
export { systemHost } from './runtime/host.js';
export { DEFAULT_SCALE_CONFIG, SCALE_CONFIG_KEYS, type ScaleConfig } from './core/scale-config.js';
export type { ScaleMetrics } from './core/metrics-types.js';
export { EventBus, type HarnessEvents, type EventName } from './core/events.js';
export * from './core/states.js';
export { decideScale, queueRatio, type ScaleDecision, type ScaleDirection, type ScaleInput } from './core/scale.js';
export { holdGrowthForHost, hostPressure, NO_HOST_LIMITS, type HostLimits, type HostSample, type HostSampler } from './core/host.js';
export { assessHealth, healthWindowMs } from './core/health.js';
export { findStalls, findTimeouts, isStalled } from './core/stalls.js';
export { hasExceededQuota, pickWorker } from './core/quota.js';
export { nextBackpressure, admissionRoom, type BackpressureState } from './core/backpressure.js';
export { percentile, computeSessionStats } from './core/metrics.js';
export { decideAfterSession, retryDelayMs } from './core/retry.js';
export { DEFAULT_CONFIG, type HarnessConfig, type AgentConfig, type HooksConfig, type ResolvedConfig } from './config/types.js';
export { resolveConfig } from './config/load.js';
export { parseDuration, formatDuration } from './config/duration.js';
export { ProcessRunner, type ProcessRunnerOptions } from './agents/process-runner.js';
export { LauncherRunner, createAgentRunner, type LauncherRunnerOptions } from './agents/launcher/runner.js';
export type { SessionRunner, SessionSpec, SessionHandle, SessionCallbacks, SessionExit } from './agents/types.js';
export { SqliteStore } from './store/sqlite/index.js';
export { MemoryStore } from './store/memory/index.js';
export { openStore } from './store/open.js';
export type * from './store/types.js';
export { parseIssues, readIssuesFile } from './sources/issues-file.js';
export { WorktreeManager } from './workspace/worktree.js';
export { WorkerWorkspaces, type WorkerWorkspacesOptions } from './workspace/workers.js';
export { LifecycleHooks, HookError, runHook, hookEnv, HOOK_NAMES, type HookName, type HookContext, type LifecycleHookOptions } from './hooks/index.js';
export { renderMetricsTable } from './metrics/render.js';
export { buildReport, openStoreReader, renderPrometheus, startMetricsServer, type MetricsReport } from './metrics/index.js';
export { MergeQueue, Merger, setUpWorktreeRun, type WorktreeRun } from './merge/index.js';
export type { MergeService } from './runtime/coordinator-types.js';
export * from './errors.js';
