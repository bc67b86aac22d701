import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';

describe('@workwayco/harness/load-test', () => {
  it('exports the seed API from the package subpath, with type declarations', () => {
    const script = `import { runLoadTestScenario, runLoadTest, generateLoadTestSpec, LOAD_TEST_SCENARIOS } from '@workwayco/harness/load-test';
      const smoke = await runLoadTestScenario('smoke', process.cwd(), { readConfig: false });
      const custom = await runLoadTest(generateLoadTestSpec({ totalIssues: 20, concurrentAgents: 5, failureRate: 0 }), process.cwd(), { readConfig: false });
      console.log(JSON.stringify({ names: Object.keys(LOAD_TEST_SCENARIOS), smoke: smoke.passed, custom: custom.successRate, summary: typeof smoke.summary }));`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ names: ['smoke', 'light', 'medium', 'heavy', 'stress', 'rate-limited', 'chains'], smoke: true, custom: 1, summary: 'string' });
    expect(existsSync(join(REPO, 'dist', 'loadtest', 'index.d.ts'))).toBe(true);
  });
});
