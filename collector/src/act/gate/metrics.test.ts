import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { PROMTOOL } from '../testing/tools.ts';
import { GateMetrics, NO_DATA_SERVICE_LABEL } from './metrics.ts';

function exposition(metrics: GateMetrics): string {
  const out: string[] = [];
  metrics.write(out);
  return `${out.join('\n')}\n`;
}

describe('GateMetrics', () => {
  it('gives the first maxServices services series of their own, counts the rest under __overflow__', () => {
    const m = new GateMetrics(2);
    m.decision('a', 'PROCEED');
    m.decision('b', 'ROLLBACK');
    m.decision('c', 'ROLLBACK');
    m.rollback('d', 4200, 0);
    m.recovery('e', true);
    m.rollback('a', 1000, 1);
    m.decision('ghost', 'HALT', false);
    const text = exposition(m);
    assert.match(text, /breakwater_gate_decisions_total\{service="a",decision="PROCEED"\} 1/);
    assert.match(text, /breakwater_gate_decisions_total\{service="__overflow__",decision="ROLLBACK"\} 1/);
    assert.match(text, /breakwater_gate_rollbacks_total\{service="a",result="failed"\} 1/);
    assert.match(text, /breakwater_gate_rollback_latency_seconds_count\{service="__overflow__"\} 1/);
    assert.match(text, /breakwater_gate_recovery_ratio\{service="__overflow__"\} 1/);
    assert.match(text, /breakwater_gate_decisions_total\{service="__no_data__",decision="HALT"\} 1/);
    assert.doesNotMatch(text, /service="[cde]"|service="ghost"/);
    assert.match(text, /^breakwater_gate_services 2$/m);
    assert.match(text, /^breakwater_gate_services_limit 2$/m);
    assert.match(text, /^breakwater_gate_overflow_total 3$/m);
    if (spawnSync(PROMTOOL, ['--version']).error === undefined) {
      const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(check.status, 0, check.stderr + check.stdout);
    }
  });

  it('answers for services without data take no place under the cap', () => {
    const m = new GateMetrics(1);
    for (let i = 0; i < 100; i++) m.decision(`made-up-${i}`, 'HALT', false);
    m.decision('real', 'PROCEED');
    assert.equal(m.decisionsFor(NO_DATA_SERVICE_LABEL, 'HALT'), 100);
    assert.equal(m.decisionsFor('real', 'PROCEED'), 1);
    assert.match(exposition(m), /^breakwater_gate_overflow_total 0$/m);
  });
});
