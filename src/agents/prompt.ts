import type { IssueInput } from '../store/types.js';

/** The placeholders a prompt template may use. */
export const PROMPT_PLACEHOLDERS = ['id', 'title', 'body', 'priority', 'labels', 'attempt'] as const;
export type PromptPlaceholder = (typeof PROMPT_PLACEHOLDERS)[number];

const PLACEHOLDER = /\{\{\s*(id|title|body|priority|labels|attempt)\s*\}\}/g;

/**
 * Fill a prompt template with an issue. Every placeholder is replaced in one
 * pass over the template, so text coming from the issue is never scanned
 * again: a title containing `{{body}}` stays literally `{{body}}`. Unknown
 * placeholders are left as written. Labels are joined with `, `.
 */
export function renderPrompt(template: string, issue: IssueInput, attempt: number): string {
  const values: Record<PromptPlaceholder, string> = {
    id: issue.id,
    title: issue.title,
    body: issue.body,
    priority: String(issue.priority),
    labels: issue.labels.join(', '),
    attempt: String(attempt),
  };
  return template.replace(PLACEHOLDER, (_match, name: PromptPlaceholder) => values[name]);
}
