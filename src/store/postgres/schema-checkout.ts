/**
 * The PostgreSQL schema's fourth version: where and how each coordinator
 * merges. A coordinator records where its branches can be merged from
 * (`checkout`: its checkout, or the remote its checkouts share), since a
 * branch exists only where it was made, and its merge settings (mode,
 * strategy, verify, target, batch size), since the leader merges every
 * coordinator's branches with its own: one that would merge elsewhere, or
 * otherwise, is refused while the fleet merges.
 */
export const SCHEMA_V4 = `
ALTER TABLE coordinators ADD COLUMN checkout TEXT;
ALTER TABLE coordinators ADD COLUMN merge_settings TEXT;
`;
