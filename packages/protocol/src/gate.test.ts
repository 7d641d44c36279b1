import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type GateReason,
  GateRollbackEventSchema,
  gateWaitsForData,
  MAX_GATE_EVENT_DURATION_MS,
  MAX_GATE_VALUE_CHARS,
} from './gate.ts';

describe('GateRollbackEventSchema', () => {
  const rollback = { kind: 'rollback', service: 'chat', version: 'v2', latencyMs: 4200, exitCode: 0 };
  const recovery = { kind: 'recovery', service: 'chat', version: 'v2', recovered: true, recoveryMs: 1000 };
  const long = 'x'.repeat(MAX_GATE_VALUE_CHARS + 1);

  it('accepts names up to MAX_GATE_VALUE_CHARS and durations up to MAX_GATE_EVENT_DURATION_MS', () => {
    const name = 'x'.repeat(MAX_GATE_VALUE_CHARS);
    assert.ok(GateRollbackEventSchema.safeParse({ ...rollback, service: name, version: name }).success);
    assert.ok(
      GateRollbackEventSchema.safeParse({ ...rollback, latencyMs: MAX_GATE_EVENT_DURATION_MS }).success,
    );
    assert.ok(
      GateRollbackEventSchema.safeParse({ ...recovery, recoveryMs: MAX_GATE_EVENT_DURATION_MS }).success,
    );
    assert.ok(
      GateRollbackEventSchema.safeParse({ ...recovery, recovered: false, recoveryMs: undefined }).success,
    );
  });

  it('refuses longer names and longer or non-finite durations', () => {
    for (const bad of [
      { ...rollback, service: long },
      { ...rollback, version: long },
      { ...recovery, service: long },
      { ...recovery, version: long },
      { ...rollback, latencyMs: MAX_GATE_EVENT_DURATION_MS + 1 },
      { ...rollback, latencyMs: 1e305 },
      { ...rollback, latencyMs: Number.POSITIVE_INFINITY },
      { ...rollback, latencyMs: -1 },
      { ...recovery, recoveryMs: MAX_GATE_EVENT_DURATION_MS + 1 },
    ])
      assert.equal(GateRollbackEventSchema.safeParse(bad).success, false, JSON.stringify(bad).slice(0, 80));
  });
});

describe('gateWaitsForData', () => {
  const halt = (code: string): GateReason => ({ code, message: code, decision: 'HALT' });

  it("follows the answer's waitingForData, whatever its reason codes", () => {
    const reasons = [halt('canary_warming_up')];
    assert.equal(gateWaitsForData({ decision: 'HALT', reasons, waitingForData: true }), true);
    assert.equal(
      gateWaitsForData({ decision: 'HALT', reasons: [halt('no_data')], waitingForData: false }),
      false,
    );
    assert.equal(gateWaitsForData({ decision: 'PROCEED', reasons: [], waitingForData: true }), false);
  });

  it('reads an answer without it (an older collector) by its codes: only no-data reasons for HALT, at least one', () => {
    assert.equal(
      gateWaitsForData({ decision: 'HALT', reasons: [halt('no_data'), halt('insufficient_data')] }),
      true,
    );
    assert.equal(
      gateWaitsForData({ decision: 'HALT', reasons: [halt('no_data'), halt('series_overflow')] }),
      false,
    );
    // A code this reader does not know may be a real reason to stop.
    assert.equal(gateWaitsForData({ decision: 'HALT', reasons: [halt('canary_warming_up')] }), false);
    // A HALT that names no reason for it is not known to wait for anything.
    assert.equal(
      gateWaitsForData({ decision: 'HALT', reasons: [{ code: 'no_baseline', message: 'm' }] }),
      false,
    );
  });
});
