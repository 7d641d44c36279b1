import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GateAnswer } from '@breakwater/protocol';
import { buildIncidentReport, renderIncidentMarkdown } from './report.ts';

/**
 * A ROLLBACK whose strings come from spans an SDK (any holder of an ingest token) sent: an
 * operation name, a dependency key and an `error.type` that would add Markdown of their own.
 */
const forged: GateAnswer = {
  decision: 'ROLLBACK',
  service: 'chat',
  version: 'v2',
  baseline: ['v1'],
  reasons: [
    {
      code: 'fast_burn',
      message: 'availability [operation=a|b\n# PROCEED]: burning ![x](http://evil/p.png) <img src=x>',
      decision: 'ROLLBACK',
    },
  ],
  slos: [
    {
      slo: 'availability',
      operation: { operation: 'a|b\n# PROCEED' },
      objective: 0.995,
      burnRates: { '10m': 10 },
      budgetRemaining: 0.9,
      sample: { good: 950, total: 1000 },
      topErrorTypes: [{ errorType: 'Err`or\n- fake item', count: 50 }],
      failingDependency: { dependency: 'tool/`x`\n## Fine', bad: 50, total: 1000 },
      decision: 'ROLLBACK',
    },
  ],
  window: '10m',
  evaluatedAt: 1_700_000_000_000,
};

describe('incident report Markdown', () => {
  const md = renderIncidentMarkdown(buildIncidentReport(forged));
  const lines = md.split('\n');

  it('keeps values from spans on their own line: no heading, list item or table row of theirs', () => {
    assert.deepEqual(
      lines.filter((l) => l.startsWith('#')),
      [
        '# ROLLBACK: chat v2',
        '## Reasons',
        '## SLO state',
        '## Top error categories',
        '## Top error types',
        '## Example traces',
      ],
    );
    assert.ok(!lines.some((l) => l.startsWith('- fake')), md);
  });

  it('escapes a pipe in a table cell, so the SLO row keeps its seven columns', () => {
    const row = lines.find((l) => l.startsWith('| availability'))!;
    assert.equal(row.split(/(?<!\\)\|/).length - 2, 7, row);
  });

  it('writes code spans that hold backticks whole, and no link, image or HTML from a value', () => {
    assert.ok(md.includes('`` Err`or\\n- fake item ``: 50'), md);
    assert.ok(md.includes('Failing dependency: `` tool/`x`\\n## Fine `` (50 of 1000'), md);
    assert.ok(!md.includes('](http://evil'), md);
    assert.ok(!md.includes('<img'), md);
  });
});
