import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabeledHistogram } from './labeled-histogram.ts';

describe('LabeledHistogram', () => {
  it('writes cumulative buckets per label value; a value on a bound counts in that bucket', () => {
    const h = new LabeledHistogram('x_seconds', 'X.', 'route', [0.1, 1]);
    h.observe('/a', 0.1);
    h.observe('/a', 0.5);
    h.observe('/a', 7);
    h.observe('/b', 0.01);
    const out: string[] = [];
    h.write(out);
    assert.deepEqual(out, [
      '# HELP x_seconds X.',
      '# TYPE x_seconds histogram',
      'x_seconds_bucket{route="/a",le="0.1"} 1',
      'x_seconds_bucket{route="/a",le="1"} 2',
      'x_seconds_bucket{route="/a",le="+Inf"} 3',
      'x_seconds_sum{route="/a"} 7.6',
      'x_seconds_count{route="/a"} 3',
      'x_seconds_bucket{route="/b",le="0.1"} 1',
      'x_seconds_bucket{route="/b",le="1"} 1',
      'x_seconds_bucket{route="/b",le="+Inf"} 1',
      'x_seconds_sum{route="/b"} 0.01',
      'x_seconds_count{route="/b"} 1',
    ]);
    assert.equal(h.count('/a'), 3);
    assert.equal(h.count('/c'), 0);
  });
});
