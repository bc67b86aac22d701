import { describe, expect, it } from 'vitest';
import { claudePreset, codexPreset, geminiPreset, opencodePreset, PresetOptionError, presetNamed, PRESETS } from '../../../src/agents/formats/index.js';

describe('preset command lines', () => {
  it('claude: print mode, stream-json (which needs --verbose), bypassPermissions by default', () => {
    expect(claudePreset.argv()).toEqual(['claude', '-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'bypassPermissions']);
  });

  it('claude: model, turn and budget limits, resume, another permission mode and binary', () => {
    expect(
      claudePreset.argv({ bin: '/opt/claude/bin/claude', model: 'claude-sonnet-4-5', maxTurns: 40, maxBudgetUsd: 2.5, resumeId: 'e9bc1995-cbc0-4d6f-ada0-d2f1b16ac1cb', permissionMode: 'acceptEdits' }),
    ).toEqual([
      '/opt/claude/bin/claude',
      '-p',
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-mode',
      'acceptEdits',
      '--model',
      'claude-sonnet-4-5',
      '--max-turns',
      '40',
      '--max-budget-usd',
      '2.5',
      '--resume',
      'e9bc1995-cbc0-4d6f-ada0-d2f1b16ac1cb',
    ]);
    expect(claudePreset.argv({ maxBudgetUsd: 1 / 3 })).toContain('0.333333');
  });

  it('codex: exec --json in the workspace-write sandbox; outside a repository, writable git dirs, and resume after the options', () => {
    expect(codexPreset.argv()).toEqual(['codex', 'exec', '--json', '--sandbox', 'workspace-write']);
    expect(codexPreset.argv({ skipGitRepoCheck: true, writableDirs: ['/repo/.git'], model: 'gpt-5-codex', resumeId: '01a23eff-d687-75a0-8cd6-36c387550b51' })).toEqual([
      'codex',
      'exec',
      '--json',
      '--sandbox',
      'workspace-write',
      '--skip-git-repo-check',
      '--add-dir',
      '/repo/.git',
      '--model',
      'gpt-5-codex',
      'resume',
      '01a23eff-d687-75a0-8cd6-36c387550b51',
    ]);
    // Codex has no per-session budget flag: a budget is the harness's to enforce.
    expect(codexPreset.argv({ maxBudgetUsd: 3 })).toEqual(codexPreset.argv());
  });

  it('gemini: headless with an empty -p (the prompt comes on stdin), stream-json, auto-approved tools', () => {
    expect(geminiPreset.argv({ model: 'gemini-2.5-pro' })).toEqual(['gemini', '-p', '', '--output-format', 'stream-json', '--approval-mode', 'yolo', '--model', 'gemini-2.5-pro']);
  });

  it('opencode: run --format json, --session to resume', () => {
    expect(opencodePreset.argv({ resumeId: 'ses_abc123' })).toEqual(['opencode', 'run', '--format', 'json', '--session', 'ses_abc123']);
  });

  it('resume and budget support, formats and names', () => {
    expect(Object.values(PRESETS).map((p) => [p.name, p.format, p.supportsResume, p.supportsBudget])).toEqual([
      ['claude', 'claude-stream-json', true, true],
      ['codex', 'codex-json', true, false],
      ['gemini', 'gemini-stream-json', false, false],
      ['opencode', 'opencode-json', true, false],
    ]);
    expect(presetNamed('codex')).toBe(codexPreset);
    expect(presetNamed('claude -p')).toBeNull();
    expect(presetNamed('toString')).toBeNull();
  });
});

describe('preset options that cannot go on a command line', () => {
  it.each([
    ['a resume id that looks like a flag', () => claudePreset.argv({ resumeId: '--dangerously-skip-permissions' }), /resume id "--dangerously-skip-permissions" is not a session id/],
    ['a resume id with a newline', () => codexPreset.argv({ resumeId: 'abc\ndef' }), /is not a session id/],
    ['resume on a preset without it', () => geminiPreset.argv({ resumeId: 'abc' }), /the gemini preset cannot resume a session/],
    ['a model that looks like a flag', () => claudePreset.argv({ model: '-x' }), /model "-x" cannot be passed/],
    ['an empty model', () => claudePreset.argv({ model: '' }), /model "" cannot be passed/],
    ['a zero budget', () => claudePreset.argv({ maxBudgetUsd: 0 }), /maxBudgetUsd must be a positive amount/],
    ['a NaN budget', () => claudePreset.argv({ maxBudgetUsd: Number.NaN }), /maxBudgetUsd must be a positive amount/],
    ['a fractional turn limit', () => claudePreset.argv({ maxTurns: 2.5 }), /maxTurns must be a whole number ≥ 1, received 2.5/],
    ['an unknown permission mode', () => claudePreset.argv({ permissionMode: 'yolo' as never }), /permissionMode must be one of acceptEdits, auto, bypassPermissions/],
    ['an unknown sandbox', () => codexPreset.argv({ sandbox: 'none' as never }), /sandbox must be one of read-only, workspace-write, danger-full-access/],
    ['a writable dir that looks like a flag', () => codexPreset.argv({ writableDirs: ['--yolo'] }), /writable dir "--yolo" cannot be passed/],
  ])('%s', (_name, build, message) => {
    expect(build).toThrow(PresetOptionError);
    expect(build).toThrow(message);
  });

  it('is a usage error (exit 2)', () => {
    expect(new PresetOptionError('x').exitCode).toBe(2);
  });
});
