import { firstLines, runProgram, type Git } from '../git/index.js';

export interface PullRequest {
  /** The branch to propose (already committed locally). */
  branch: string;
  /** The branch the pull request targets. */
  base: string;
  title: string;
  body: string;
  /** Remote the branch is pushed to first. */
  remote: string;
  /** The branch is on the remote already (its coordinator, in another checkout, pushed it): only the pull request is opened. */
  pushed?: boolean;
}

export type PullRequestResult = { ok: true; url: string } | { ok: false; reason: string };

/**
 * Push the branch and open a pull request with the GitHub CLI:
 * `gh pr create --head <branch> --base <target> --title … --body …`, run
 * without a shell (the title and body are issue text). A pull request that
 * already exists for the branch (a run that died after opening it) counts
 * as opened.
 */
export async function openPullRequest(git: Git, pr: PullRequest, env: NodeJS.ProcessEnv): Promise<PullRequestResult> {
  // harness/* branches belong to the harness: a retried issue's new branch replaces the old one.
  if (!pr.pushed) {
    const push = await git.try(['push', '--quiet', '--force', pr.remote, `refs/heads/${pr.branch}:refs/heads/${pr.branch}`]);
    if (push.code !== 0) return { ok: false, reason: `push of ${pr.branch} to ${pr.remote} failed: ${firstLines(push.stderr)}` };
  }
  const args = ['pr', 'create', '--head', pr.branch, '--base', pr.base, '--title', pr.title, '--body', pr.body];
  const out = await runProgram('gh', args, { cwd: git.repoDir, env: { ...env, GH_PROMPT_DISABLED: '1', NO_COLOR: '1' } });
  const url = lastUrl(out.stdout) ?? (/already exists/i.test(out.stderr) ? lastUrl(out.stderr) : null);
  if (url !== null && (out.code === 0 || /already exists/i.test(out.stderr))) return { ok: true, url };
  if (out.code === 0) return { ok: false, reason: `gh pr create printed no pull request address: ${firstLines(out.stdout)}` };
  if (out.code === -1) return { ok: false, reason: `gh could not be started (${out.stderr}): install the GitHub CLI and log in (gh auth login)` };
  return { ok: false, reason: `gh pr create failed (exit code ${out.code}): ${firstLines(out.stderr || out.stdout)}` };
}

/** The pull request body: the issue's text and where it came from. */
export function pullRequestBody(issue: { id: string; body: string }, branch: string): string {
  const text = issue.body.trim();
  return `${text ? `${text}\n\n` : ''}---\nIssue ${issue.id}, worked on by an agent in ${branch}.`;
}

function lastUrl(text: string): string | null {
  const urls = text.match(/https?:\/\/\S+/g);
  return urls?.at(-1) ?? null;
}
