export { sanitizeIssueId } from './sanitize.js';
export {
  WorktreeManager,
  WorktreeError,
  BRANCH_PREFIX,
  type PreparedWorktree,
  type WorktreeInfo,
  type WorktreeManagerOptions,
} from './worktree.js';
