import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBreakerSignal } from './signal.ts';

const valid = {
  id: 'sig-1',
  kind: 'breaker',
  dependency: 'openai/gpt-4o',
  state: 'open',
  ttlMs: 30_000,
  issuedAt: 1_700_000_000_000,
  reason: {
    errorRatio: 0.8,
    window: '60s',
    volume: 120,
    instances: 3,
    topErrorTypes: [{ type: '503', count: 90 }],
  },
};

describe('parseBreakerSignal', () => {
  it('accepts a valid signal', () => {
    const parsed = parseBreakerSignal(valid);
    assert.ok(parsed.ok);
    assert.equal(parsed.signal.dependency, 'openai/gpt-4o');
  });
  it('rejects unknown kinds, states, fractions out of range and endless TTLs with a message', () => {
    for (const bad of [
      { ...valid, kind: 'reboot' },
      { ...valid, state: 'melted' },
      { ...valid, allow: 1.5 },
      { ...valid, ttlMs: 86_400_000 },
      { ...valid, reason: { ...valid.reason, window: 'soon' } },
      'not an object',
    ]) {
      const parsed = parseBreakerSignal(bad);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.ok(parsed.error.length > 0);
    }
  });
});
