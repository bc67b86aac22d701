/**
 * The live web dashboard: a self-contained page served over HTTP, updated
 * through server-sent events, reading a state file or a fleet's PostgreSQL
 * store read-only (actions go through the store's control requests).
 */
export { serveDashboard, parseDashboardPort, DEFAULT_DASHBOARD_HOST, DEFAULT_DASHBOARD_PORT, type ServeDashboardOptions, type ServedDashboard } from './serve.js';
export { startDashboardServer, type DashboardServer, type DashboardServerOptions } from './server.js';
export { readDashboard, dashboardCaches, stallRisk, type DashboardState, type RunningSessionView, type CoordinatorView, type CoordinatorShownState, type FleetView, type HoldView, type StallRisk, type DashboardCaches } from './data.js';
export { parseAction } from './actions.js';
export { newToken, tokenMatches } from './auth.js';
export type { DashboardSource, IssueDetail, SessionLocation } from './source.js';
