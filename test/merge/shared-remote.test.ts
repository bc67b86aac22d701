import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Git, gitRunner } from '../../src/git/index.js';
import { SharedRemote } from '../../src/merge/shared-remote.js';
import { MergeSetupError, TargetBranch } from '../../src/merge/target.js';
import { commitFile, git, makeRepo, testEnv, type TempRepo } from './repo.js';

/** Two checkouts of one bare remote, as two hosts of a fleet have them. */
function twoCheckouts(temps: TempRepo[]) {
  const temp = makeRepo();
  temps.push(temp);
  const bare = join(temp.root, 'remote.git');
  git(temp.root, 'clone', '-q', '--bare', temp.repo, bare);
  const [one, two] = ['one', 'two'].map((name) => {
    const dir = join(temp.root, name);
    git(temp.root, 'clone', '-q', bare, dir);
    return dir;
  }) as [string, string];
  const remoteOf = async (dir: string) => {
    const g = new Git(dir, gitRunner(testEnv()));
    return new SharedRemote(g, 'origin', await TargetBranch.resolve(g, 'main'));
  };
  return { bare, one, two, remoteOf };
}

describe('SharedRemote', () => {
  const temps: TempRepo[] = [];
  afterEach(() => {
    for (const t of temps.splice(0)) t.cleanup();
  });

  it('hands a branch made in one checkout to another, and says when the remote has no such branch', async () => {
    const { one, two, remoteOf } = twoCheckouts(temps);
    git(one, 'checkout', '-q', '-b', 'harness/A');
    const head = commitFile(one, 'a.txt', 'a\n');
    git(one, 'checkout', '-q', 'main');
    await (await remoteOf(one)).publish('harness/A', head);
    const there = await remoteOf(two);
    expect(await there.fetchBranch('harness/A')).toBe(head);
    expect(await there.fetchBranch('harness/none')).toBeNull();
    // Fetched beside the branches: nothing of that checkout's own branches moved.
    expect(git(two, 'branch', '--list', 'harness/*')).toBe('');
  });

  it("lands by compare-and-swap of the remote's target, and a checkout behind follows it by fast-forward", async () => {
    const { bare, one, two, remoteOf } = twoCheckouts(temps);
    const base = git(one, 'rev-parse', 'main');
    const here = await remoteOf(one);
    const landed = commitFile(one, 'b.txt', 'b\n');
    git(one, 'reset', '-q', '--hard', base);
    expect(await here.land(base, landed)).toBe('landed');
    expect(git(bare, 'rev-parse', 'main')).toBe(landed);
    // Built on the old commit elsewhere: the remote moved meanwhile.
    const other = commitFile(two, 'c.txt', 'c\n');
    git(two, 'reset', '-q', '--hard', base);
    const there = await remoteOf(two);
    expect(await there.land(base, other)).toBe('moved');
    expect(git(bare, 'rev-parse', 'main')).toBe(landed);
    // The next merge there builds on the remote's target, and the checkout follows it.
    expect(await there.syncTarget()).toBe(landed);
    expect(git(two, 'rev-parse', 'main')).toBe(landed);
  });

  it("never pushes a checkout's own commits, and refuses a target ahead of the remote's or diverged from it, saying how to bring it back", async () => {
    const { bare, one, two, remoteOf } = twoCheckouts(temps);
    const before = git(bare, 'rev-parse', 'main');
    commitFile(one, 'd.txt', 'd\n');
    const here = await remoteOf(one);
    expect(await here.follow()).toBe('ahead');
    await expect(here.syncTarget()).rejects.toThrow(/main here \(\w+\) has commits origin's main \(\w+\) lacks: .*git push origin main.*git reset --keep origin\/main/);
    expect(git(bare, 'rev-parse', 'main')).toBe(before);
    // Behind the remote: followed by fast-forward.
    git(two, 'pull', '-q', '--ff-only');
    commitFile(two, 'e.txt', 'e\n');
    git(two, 'push', '-q', 'origin', 'main');
    expect(await here.follow()).toBe('diverged');
    const three = await remoteOf(two);
    expect(await three.follow()).toBe('same');
    const refused = await here.syncTarget().catch((error: Error) => error);
    expect(refused).toBeInstanceOf(MergeSetupError);
    expect((refused as Error).message).toMatch(/main here \(\w+\) and on origin \(\w+\) have diverged: .*git reset --keep origin\/main/);
  });
});
