import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InstanceBudget } from './instance-budget.ts';
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

  it('counts an instance in every window that holds one of its calls, and not in shorter ones', () => {
    const w = new SlidingWindow(60_000);
    w.add(T0, true, 'a', '503');
    w.add(T0 + 30_000, false, 'a', undefined);
    w.add(T0 + 30_000, false, 'b', undefined);
    const now = T0 + 40_000;
    assert.deepEqual(pick(w.stats(now, 60_000)), { failingInstances: 1, reportingInstances: 2 });
    // a's failure is 40 s old: a 20 s window sees it reporting, not failing.
    assert.deepEqual(pick(w.stats(now, 20_000)), { failingInstances: 0, reportingInstances: 2 });
    assert.deepEqual(pick(w.stats(now, 5_000)), { failingInstances: 0, reportingInstances: 0 });
    assert.deepEqual(pick(w.stats(now, 60_000, T0 + 1_000)), { failingInstances: 0, reportingInstances: 2 });
  });

  it('remembers at most 1,000 instances, making room from those that left the ring', () => {
    const w = new SlidingWindow(10_000);
    for (let i = 0; i < 1_500; i++) w.add(T0, true, `made-up-${i}`, '503');
    assert.deepEqual(pick(w.stats(T0, 10_000)), { failingInstances: 1_000, reportingInstances: 1_000 });
    assert.equal(w.stats(T0, 10_000).calls, 1_500, 'every call counts, remembered or not');
    w.add(T0 + 11_000, false, 'real', undefined);
    assert.deepEqual(pick(w.stats(T0 + 11_000, 10_000)), { failingInstances: 0, reportingInstances: 1 });
  });

  it('shares one budget of instance ids with the other windows, and gives its own back', () => {
    const budget = new InstanceBudget(3);
    const a = new SlidingWindow(10_000, budget);
    const b = new SlidingWindow(10_000, budget);
    for (const id of ['a1', 'a2']) a.add(T0, true, id, '503');
    for (const id of ['b1', 'b2', 'b3']) b.add(T0, true, id, '503');
    assert.equal(b.stats(T0, 10_000).failingInstances, 1, 'the budget had one place left');
    assert.equal(budget.inUse, 3);
    a.release();
    assert.equal(budget.inUse, 1);
    b.add(T0 + 1_000, true, 'b4', '503');
    assert.equal(b.stats(T0 + 1_000, 10_000).failingInstances, 2);
    // b's ids leave its ring: its next evaluation gives their places back to the other windows.
    b.stats(T0 + 12_000, 10_000);
    assert.equal(budget.inUse, 0);
  });
});

function pick(s: { failingInstances: number; reportingInstances: number }) {
  return { failingInstances: s.failingInstances, reportingInstances: s.reportingInstances };
}
