import type { IssueRow } from '../types.js';
import { ISSUE_COLUMNS, toIssue, type IssueRecord } from './rows.js';

/**
 * An issue row as JSON text, the columns in ISSUE_COLUMNS' order, of the
 * row `alias` names: the same text for the same row, whichever statement
 * asks.
 */
export function issueText(alias: string): string {
  return `(SELECT row_to_json(x)::text FROM (SELECT ${ISSUE_COLUMNS.split(', ')
    .map((column) => `${alias}.${column}`)
    .join(', ')}) x)`;
}

/**
 * The issue of each session this store claimed, as it last wrote it: the
 * end of the session can then be decided without reading the issue first,
 * and written only if the row is still that text (src/store/postgres/sessions.ts);
 * anything else that changed it meanwhile sends the end the long way.
 */
export class ClaimedIssues {
  private readonly rows = new Map<string, { issue: IssueRow; text: string }>();

  /** Record the issue of `sessionId` from its row text; the issue it is. */
  set(sessionId: string, text: string): IssueRow {
    const issue = toIssue(JSON.parse(text) as IssueRecord);
    this.rows.set(sessionId, { issue, text });
    return issue;
  }

  get(sessionId: string): { issue: IssueRow; text: string } | undefined {
    return this.rows.get(sessionId);
  }

  delete(sessionId: string): void {
    this.rows.delete(sessionId);
  }
}
