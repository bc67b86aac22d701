/**
 * The PostgreSQL schema's fourth version: where each coordinator merges.
 * A coordinator in worktree mode records its checkout (`host:path` of its
 * repository), since a branch it makes exists only there: the merge queue
 * of a fleet is one checkout's, and a coordinator of another checkout is
 * refused while that one has coordinators or branches waiting.
 */
export const SCHEMA_V4 = `
ALTER TABLE coordinators ADD COLUMN checkout TEXT;
`;
