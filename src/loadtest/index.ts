/**
 * `@workwayco/harness/load-test`: the real coordinator under simulated load,
 * in virtual time or with real processes. See docs/load-test.md.
 */
export { runLoadTest, runLoadTestScenario, compareLoadTest, resolveLoadTestConfig, DEFAULT_TIME_SCALE, type LoadTestOptions } from './run.js';
export { generateLoadTestSpec, DEFAULT_SPEC, arrivalTime, type LoadTestSpec, type LoadTestSpecOptions } from './spec.js';
export { LOAD_TEST_SCENARIOS, SCENARIO_NAMES, resolveScenario, loadScenarioFile, type ScenarioName } from './scenarios.js';
export { drawBehaviour, type BehaviourParams, type SessionBehaviour } from './behaviour.js';
export { chainLayout, chainCount, DEFAULT_CHAINS, type ChainSpec, type ChainLayout } from './chains.js';
export { deriveLoadTestConfig, DERIVED_SHARES, PROCESS_FLOORS_MS, type LoadTestConfig, type LoadTestOverrides } from './config.js';
export { evaluateCriteria, type Criterion, type CriteriaInput } from './criteria.js';
export { computeQuality, makespanLowerBound, countReversals, type ScalingQuality, type LittlesLaw } from './quality.js';
export { COMPARED_POLICIES, fixedPolicy, hpaPolicy, type PolicyEntry } from './policies.js';
export type { LoadTestResults, LoadTestMode, ChainsResult } from './results.js';
export type { TimelineSample } from './observe.js';
export { renderReport, renderComparison, renderResultsTable, renderCriteriaTable, renderQualityTable } from './render.js';
export { renderTimelineChart } from './chart.js';
export { renderJUnit } from './junit.js';
export { renderHtmlReport } from './report-html.js';
export { SimulatedRunner, type SimulatedBehaviour, type SimulatedRunnerOptions } from './sim-runner.js';
