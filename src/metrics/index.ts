/**
 * Observability: the metric set read from a state store (live or finished),
 * its text and JSON forms, Prometheus exposition and server, the history
 * chart and per-issue attempts.
 */
export { renderMetricsTable, formatMs, formatPercent, type MetricsTableInput, type RenderOptions } from './render.js';
export { openStoreReader, StoreQueries, ALL_TIME, COUNTED_OUTCOMES, type TimeRange } from './queries.js';
export { buildReport, reportClock, DEFAULT_EVENT_LIMIT, type MetricsReport, type MetricsEvent, type SeedMetrics, type ReportOptions } from './report.js';
export { isRunLive, healthIntervalFromSnapshots, nearestRank, rankOffset, type Liveness } from './derive.js';
export { renderReport, describeEvent } from './render-report.js';
export { collectPrometheus, renderPrometheus, PROMETHEUS_CONTENT_TYPE, SESSION_DURATION_BUCKETS_SECONDS } from './prometheus.js';
export { startMetricsServer, parsePort, DEFAULT_METRICS_HOST, type MetricsServer, type MetricsServerOptions } from './server.js';
export { serveStoreMetrics } from './serve-store.js';
export { renderChart, type ChartPoint, type ChartOptions } from './chart.js';
export { readChartData, type ChartData } from './history.js';
export { buildIssueReport, renderIssueReport, type IssueReport, type IssueAttempt } from './issue-report.js';
