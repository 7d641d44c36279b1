import assert from 'node:assert/strict';
import { it } from 'node:test';
import { GateAnswerSchema, GateHealthSchema, GateRollbackEventSchema } from './gate.ts';
import { ActiveSignalsSchema, parseBreakerSignal } from './signal.ts';

// What README "Compatibility between versions" promises: a reader of this release takes a newer
// writer's message with fields it does not know, and ignores them.

const signal = {
  id: 'sig-1',
  kind: 'breaker',
  dependency: 'openai/gpt-4o',
  state: 'open',
  ttlMs: 30_000,
  issuedAt: 1_700_000_000_000,
  reason: { errorRatio: 0.8, window: '60s', volume: 120, instances: 3, topErrorTypes: [], p99Ms: 900 },
  region: 'eu-1',
};

it('breaker signals and snapshots with fields a newer collector adds are read, the fields dropped', () => {
  const parsed = parseBreakerSignal(signal);
  assert.ok(parsed.ok);
  assert.equal('region' in parsed.signal, false);
  const snapshot = ActiveSignalsSchema.safeParse({ now: 1, signals: [signal], replica: 'b' });
  assert.ok(snapshot.success);
  assert.equal(snapshot.data.signals.length, 1);
});

it('gate answers, health answers and rollback events with added fields are read', () => {
  const answer = {
    decision: 'ROLLBACK',
    service: 'chat',
    version: 'v2',
    baseline: ['v1'],
    reasons: [
      { code: 'error_spike', message: 'a code this release does not know', decision: 'ROLLBACK', weight: 2 },
    ],
    slos: [
      {
        slo: 'availability',
        objective: 0.995,
        burnRates: { '10m': 12 },
        budgetRemaining: 0.5,
        sample: { good: 950, total: 1000 },
        comparison: {
          canaryErrorRatio: 0.05,
          baselineErrorRatio: 0,
          pValue: 0,
          significant: true,
          test: 'sprt',
        },
        decision: 'ROLLBACK',
        tail: { p99Ms: 900 },
      },
    ],
    window: '10m',
    evaluatedAt: 1,
    region: 'eu-1',
  };
  const read = GateAnswerSchema.safeParse(answer);
  assert.ok(read.success, read.error?.message);
  assert.equal(read.data.decision, 'ROLLBACK');
  assert.equal(read.data.slos[0]!.comparison!.test, undefined, 'a test it does not know reads as absent');
  const health = {
    service: 'chat',
    excluded: [],
    window: '5m',
    healthy: true,
    slos: [],
    evaluatedAt: 1,
    note: 'x',
  };
  assert.ok(GateHealthSchema.safeParse(health).success);
  const event = { kind: 'rollback', service: 'chat', version: 'v2', latencyMs: 1, exitCode: 0, runner: 'ci' };
  assert.ok(GateRollbackEventSchema.safeParse(event).success);
});
