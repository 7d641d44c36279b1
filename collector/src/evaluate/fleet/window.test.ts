import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SlidingWindow } from './window.ts';

const T0 = 1_700_000_000_000;

describe('SlidingWindow', () => {
  it('sums per-second buckets over the window, with distinct instances and top error types', () => {
    const w = new SlidingWindow(60_000);
    w.add(T0, true, 'a', '503');
    w.add(T0 + 1_000, true, 'b', '503');
    w.add(T0 + 1_000, true, 'b', '529');
    w.add(T0 + 2_000, false, 'c', undefined);
    const s = w.stats(T0 + 2_500, 10_000);
    assert.deepEqual(s, {
      calls: 4,
      failures: 3,
      ratio: 0.75,
      failingInstances: 2,
      reportingInstances: 3,
      topErrorTypes: [
        { type: '503', count: 2 },
        { type: '529', count: 1 },
      ],
    });
    assert.equal(w.stats(T0 + 2_500, 2_000).calls, 3, 'a 2 s window holds this second and the last');
    // The two calls at T0 + 1 s came before a change at T0 + 1.5 s: its whole second is left out.
    assert.equal(w.stats(T0 + 2_500, 10_000, T0 + 1_500).calls, 1, 'nothing before `since`');
    assert.equal(w.stats(T0 + 2_500, 10_000, T0 + 1_000).calls, 3, 'a second starting at `since` counts');
  });

  it('forgets seconds that left the ring and ignores data older than it', () => {
    const w = new SlidingWindow(10_000);
    w.add(T0, true, 'a', 'x');
    w.add(T0 + 11_000, false, 'a', undefined);
    w.add(T0, true, 'a', 'x');
    const s = w.stats(T0 + 11_000, 20_000);
    assert.equal(s.calls, 1);
    assert.equal(s.failures, 0);
    assert.equal(w.lastActivityMs(), T0 + 11_999);
  });
});
