import { describe, expect, it } from 'vitest';
import { agentInvocation, agentSettingsProblems, presetOfCommand, type AgentSettings } from '../../src/agents/invocation.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';

const settings = (over: Partial<AgentSettings> = {}): AgentSettings => ({ ...DEFAULT_CONFIG.agent, ...over });

describe('agentInvocation', () => {
  it('the default is the claude preset: stream-json read, retries resume', () => {
    const claude = agentInvocation(settings());
    expect(claude.preset?.name).toBe('claude');
    expect(claude.format).toBe('claude-stream-json');
    expect(claude.resume).toBe(true);
    expect(claude.baseArgv).toEqual(['claude', '-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'bypassPermissions']);
  });

  it("builds each session's argv: the conversation it resumes, the budget left, the resolved binary, model and permission mode", () => {
    const claude = agentInvocation(settings({ model: 'claude-sonnet-4-5', permissionMode: 'acceptEdits' }), { bin: '/opt/bin/claude' });
    expect(claude.argv({ resumeFrom: 'e9bc1995-cbc0-4d6f-ada0-d2f1b16ac1cb', budgetUsd: 1.25 })).toEqual([
      '/opt/bin/claude', '-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'acceptEdits',
      '--model', 'claude-sonnet-4-5', '--max-budget-usd', '1.25', '--resume', 'e9bc1995-cbc0-4d6f-ada0-d2f1b16ac1cb',
    ]);
    // An issue with nothing left gets the smallest budget the flag carries: the agent stops at once.
    expect(claude.argv({ budgetUsd: 0 })).toContain('0.000001');
  });

  it('with resume off, a session never resumes', () => {
    expect(agentInvocation(settings({ resume: false })).argv({ resumeFrom: 'abc' })).not.toContain('--resume');
  });

  it('codex: writable git directory, no repository check outside one, exec resume', () => {
    const codex = agentInvocation(settings({ command: ['codex'], sandbox: 'workspace-write' }), { writableDirs: ['/repo/.git'] });
    expect(codex.format).toBe('codex-json');
    expect(codex.argv({ resumeFrom: 't-1', budgetUsd: 3 })).toEqual(['codex', 'exec', '--json', '--sandbox', 'workspace-write', '--add-dir', '/repo/.git', 'resume', 't-1']);
    expect(agentInvocation(settings({ command: ['codex'] }), { skipGitRepoCheck: true }).baseArgv).toContain('--skip-git-repo-check');
  });

  it('gemini cannot resume; opencode resumes with --session', () => {
    expect(agentInvocation(settings({ command: ['gemini'] })).resume).toBe(false);
    expect(agentInvocation(settings({ command: ['gemini'] })).argv({ resumeFrom: 'x' })).not.toContain('x');
    expect(agentInvocation(settings({ command: ['opencode'] })).argv({ resumeFrom: 'ses_1' })).toEqual(['opencode', 'run', '--format', 'json', '--session', 'ses_1']);
  });

  it('a command line runs as given, read as text unless told, resuming only when asked', () => {
    const custom = agentInvocation(settings({ command: ['./wrap.sh', 'claude'] }));
    expect(custom.preset).toBeNull();
    expect([custom.format, custom.resume]).toEqual(['text', false]);
    expect(custom.argv({ resumeFrom: 'x', budgetUsd: 2 })).toEqual(['./wrap.sh', 'claude']);
    expect(agentInvocation(settings({ command: ['./wrap.sh'], format: 'claude-stream-json', resume: true }))).toMatchObject({ format: 'claude-stream-json', resume: true });
  });

  it('only a preset name alone is a preset', () => {
    expect(presetOfCommand(['codex'])?.name).toBe('codex');
    expect(presetOfCommand(['codex', 'exec'])).toBeNull();
    expect(presetOfCommand(['/usr/bin/claude'])).toBeNull();
  });
});

describe('agentSettingsProblems', () => {
  it.each<[Partial<AgentSettings>, string[]]>([
    [{}, []],
    [{ format: 'claude-stream-json' }, []],
    [{ command: ['codex'], format: 'claude-stream-json' }, [
      'agent.format: expected codex-json (what the codex preset prints) or nothing, received "claude-stream-json": drop agent.format, or give a command line instead of the preset name',
    ]],
    [{ command: ['gemini'], resume: true }, ['agent.resume: the gemini preset cannot resume a session: set agent.resume to false or leave it unset']],
    [{ command: ['./agent.sh'], resume: true }, [expect.stringMatching(/^agent\.resume: resuming needs the agent's session id/) as unknown as string]],
    [{ command: ['./agent.sh'], bin: '/opt/claude' }, [expect.stringMatching(/^agent\.bin: only a preset/) as unknown as string]],
  ])('%j', (over, problems) => {
    expect(agentSettingsProblems(settings(over))).toEqual(problems);
  });
});
