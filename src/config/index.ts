/** Configuration: types, defaults, the load pipeline and the shared CLI flags. */
export {
  DEFAULT_CONFIG,
  DEFAULT_PROMPT,
  type AgentConfig,
  type ConfigSource,
  type HarnessConfig,
  type ResolvedConfig,
  type WorkspaceMode,
} from './types.js';
export { splitCommandLine } from './argv.js';
export { formatDuration, parseDuration } from './duration.js';
export { CONFIG_SEARCH_PLACES, findConfigFile, type RawConfigFile } from './discover.js';
export { FIELD_PATHS, SCALAR_FIELD_KINDS, type FieldKind, type FieldPath } from './fields.js';
export {
  CONFIG_FLAGS,
  addConfigFlags,
  configPathOption,
  flagFor,
  flagsToOverrides,
  type ConfigFlag,
  type ConfigOverrides,
} from './flags.js';
export {
  HARNESS_ENV_VAR,
  loadConfigFileRaw,
  resolveConfig,
  validateConfigFile,
  type ConfigFlagValues,
  type ResolveConfigOptions,
} from './load.js';
export { configFileSchema, type ConfigLayer } from './schema.js';
export { checkCrossFieldRules, type CrossFieldProblem } from './rules.js';
export { describeSource, describeValue, renderConfigJson, renderConfigListing } from './show.js';
export { editDistance, suggestKey } from './suggest.js';
