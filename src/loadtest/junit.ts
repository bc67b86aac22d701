import type { LoadTestResults } from './results.js';

/** Text safe inside XML element content and double-quoted attributes. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    // Characters XML 1.0 cannot hold at all.
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');
}

/**
 * JUnit XML with one test case per acceptance criterion, so CI shows which
 * criterion failed and what was measured. A run stopped before every issue
 * finished adds a fifth, failing case. Holds no wall-clock figure except
 * the suite's `time`.
 */
export function renderJUnit(r: LoadTestResults): string {
  const suite = `harness load-test ${r.scenario}`;
  const classname = `load-test.${r.scenario.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const cases = r.criteria.map((c) => ({
    name: `${c.name} ${c.threshold}`,
    failure: c.passed ? null : `${c.name}: measured ${c.detail}, needs ${c.threshold}`,
  }));
  if (!r.complete) cases.push({ name: 'run completes', failure: `stopped with ${r.issues.unfinished} issue(s) unfinished` });
  const failures = cases.filter((c) => c.failure !== null).length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(suite)}" tests="${cases.length}" failures="${failures}">`,
    `  <testsuite name="${escapeXml(suite)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${(r.wallClock.elapsedMs / 1000).toFixed(3)}">`,
    '    <properties>',
    ...[
      ['mode', r.mode],
      ['time', r.time.note],
      ['policy', r.policy],
      ['seed', String(r.spec.seed)],
      ['spec', JSON.stringify(r.spec)],
    ].map(([name, value]) => `      <property name="${escapeXml(name!)}" value="${escapeXml(value!)}"/>`),
    '    </properties>',
  ];
  for (const c of cases) {
    const open = `    <testcase classname="${escapeXml(classname)}" name="${escapeXml(c.name)}" time="0"`;
    if (c.failure === null) lines.push(`${open}/>`);
    else lines.push(`${open}>`, `      <failure message="${escapeXml(c.failure)}">${escapeXml(r.summary)}</failure>`, '    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
