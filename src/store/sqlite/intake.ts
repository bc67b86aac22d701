import { afterRetry, afterUnrun, failsUnrun, retryVerdict } from '../transitions.js';
import type { Intake } from '../ports.js';
import type { SqliteConnection } from './connection.js';
import { queueView, readIssue, writeIssue } from './issues.js';

/** Issues arriving (new ids go to the backlog, known ids stay as they are), failed issues retried, and issues that will never run failed. */
export function sqliteIntake(c: SqliteConnection): Intake {
  return {
    importIssues(issues, now) {
      return c.write(() => {
        let seq = c.sql.maxSeq.get()?.seq ?? 0;
        let added = 0;
        for (const issue of issues) {
          const { changes } = c.sql.insertIssue.run({
            id: issue.id,
            title: issue.title,
            body: issue.body,
            priority: issue.priority,
            labels: JSON.stringify(issue.labels),
            status: 'backlog',
            seq: seq + 1,
            created_at: now,
            updated_at: now,
          });
          if (changes === 1) {
            seq += 1;
            added += 1;
          }
        }
        return { added, known: issues.length - added, view: queueView(c) };
      });
    },

    retryIssues(ids, now) {
      return c.write(() => {
        const result = retryVerdict(ids, (id) => readIssue(c, id)?.status);
        for (const id of result.retried) writeIssue(c, id, afterRetry(readIssue(c, id)!, now));
        return result;
      });
    },

    failUnrun(issues, reason, now) {
      return c.write(() => {
        let seq = c.sql.maxSeq.get()?.seq ?? 0;
        let failed = 0;
        for (const issue of issues) {
          const known = readIssue(c, issue.id);
          if (!known) {
            seq += 1;
            c.sql.insertUnrunIssue.run({
              id: issue.id,
              title: issue.title,
              body: issue.body,
              priority: issue.priority,
              labels: JSON.stringify(issue.labels),
              seq,
              created_at: now,
              updated_at: now,
              last_error: reason,
            });
          } else if (failsUnrun(known.status)) {
            writeIssue(c, known.id, afterUnrun(known, reason, now));
          } else continue;
          failed += 1;
        }
        return { failed, view: queueView(c) };
      });
    },
  };
}
