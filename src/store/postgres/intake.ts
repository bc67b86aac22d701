import { afterRetry, afterUnrun, failsUnrun, retryVerdict } from '../transitions.js';
import type { Intake } from '../ports.js';
import type { IssueInput } from '../types.js';
import type { PostgresConnection } from './connection.js';
import { queueView, readIssue, writeIssue } from './issues.js';
import type { Tx } from './sql.js';
import type { Promising } from './promising.js';

/** How many new issues an import adds before it updates the planner's statistics of the issues table. */
const ANALYZE_AFTER = 100;

/**
 * Issues arriving (new ids go to the backlog, known ids stay as they are),
 * failed issues retried, and issues that will never run failed. Import
 * order comes from a sequence, so coordinators importing at once never
 * hand out the same seq.
 */
export function postgresIntake(c: PostgresConnection): Promising<Intake> {
  return {
    importIssues: (issues, now) =>
      c.transact('import issues', async (tx) => {
        // The first of a repeated id is the one imported, as in a loop of inserts.
        const seen = new Set<string>();
        const fresh = issues.filter((issue) => !seen.has(issue.id) && seen.add(issue.id));
        let added = 0;
        if (fresh.length > 0) {
          const seqs = await nextSeqs(tx, fresh.length);
          added = await tx.run(
            `INSERT INTO issues (id, title, body, priority, labels, status, attempts, seq, created_at, updated_at)
             SELECT id, title, body, priority, labels, 'backlog', 0, seq, $7, $7
             FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[]) AS i (id, title, body, priority, labels, seq)
             ON CONFLICT (id) DO NOTHING`,
            [fresh.map((i) => i.id), fresh.map((i) => i.title), fresh.map((i) => i.body), fresh.map((i) => i.priority), fresh.map((i) => JSON.stringify(i.labels)), seqs, now],
          );
          // A backlog the planner has not seen yet (a new table, a large import) would be claimed by sorting every
          // queued issue on each claim, rather than by reading the first of the dispatch index.
          if (added >= ANALYZE_AFTER) await tx.run('ANALYZE issues');
        }
        return { added, known: issues.length - added, view: await queueView(tx) };
      }),

    retryIssues: (ids, now) =>
      c.transact('retry issues', async (tx) => {
        const statuses = new Map<string, Awaited<ReturnType<typeof readIssue>>>();
        for (const id of new Set(ids)) statuses.set(id, await readIssue(tx, id, true));
        const result = retryVerdict(ids, (id) => statuses.get(id)?.status);
        for (const id of result.retried) await writeIssue(tx, id, afterRetry(statuses.get(id)!, now));
        return result;
      }),

    failUnrun: (issues, reason, now) =>
      c.transact('fail issues that will never run', async (tx) => {
        let failed = 0;
        for (const issue of issues) {
          if (await insertUnrun(tx, issue, reason, now)) {
            failed += 1;
            continue;
          }
          const known = await readIssue(tx, issue.id, true);
          if (!known || !failsUnrun(known.status)) continue;
          await writeIssue(tx, known.id, afterUnrun(known, reason, now));
          failed += 1;
        }
        return { failed, view: await queueView(tx) };
      }),
  };
}

/** `count` numbers from the issues' sequence, in increasing order. */
async function nextSeqs(tx: Tx, count: number): Promise<number[]> {
  const rows = await tx.rows<{ seq: number }>("SELECT nextval('issue_seq') AS seq FROM generate_series(1, $1)", [count]);
  return rows.map((r) => r.seq).sort((a, b) => a - b);
}

/** Insert an unknown id as failed (a blocker failed, so it will never run); false when the id is known. */
async function insertUnrun(tx: Tx, issue: IssueInput, reason: string, now: number): Promise<boolean> {
  const inserted = await tx.run(
    `INSERT INTO issues (id, title, body, priority, labels, status, attempts, seq, created_at, updated_at, last_error)
     SELECT $1, $2, $3, $4, $5, 'failed', 0, nextval('issue_seq'), $6, $6, $7
     WHERE NOT EXISTS (SELECT 1 FROM issues WHERE id = $1)
     ON CONFLICT (id) DO NOTHING`,
    [issue.id, issue.title, issue.body, issue.priority, JSON.stringify(issue.labels), now, reason],
  );
  return inserted === 1;
}
