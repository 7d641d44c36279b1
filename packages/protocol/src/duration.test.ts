import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from './duration.ts';

describe('durations', () => {
  it('parses and formats round trip', () => {
    for (const [text, ms] of [
      ['500ms', 500],
      ['30s', 30_000],
      ['5m', 300_000],
      ['1.5h', 5_400_000],
      ['30d', 2_592_000_000],
    ] as const) {
      assert.equal(parseDuration(text), ms);
    }
    assert.equal(formatDuration(300_000), '5m');
    assert.equal(formatDuration(5_400_000), '90m');
    assert.equal(formatDuration(1234), '1234ms');
  });
  it('rejects nonsense with the input quoted', () => {
    assert.throws(() => parseDuration('5 minutes'), /"5 minutes"/);
    assert.throws(() => parseDuration('0s'), /at least 1ms/);
    // Rounding to whole milliseconds must not produce a zero-length window or timer.
    assert.throws(() => parseDuration('0.4ms'), /"0\.4ms": must be at least 1ms/);
    assert.equal(parseDuration('0.5ms'), 1);
  });
});
