/** Text from outside: escaping for terminals and log lines, reading input files, checks on parsed input. */
export { terminalSafe, terminalSafeLines } from './escape.js';
export { directoryProblem, notTextReason, pathProblem, readTextInput, stripBom, type InputFileRole } from './input.js';
export { loneSurrogateAt, MAX_NESTING, nestedDeeperThan } from './checks.js';
