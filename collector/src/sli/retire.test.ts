import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Counts, SeriesWindows } from '../store/types.ts';
import { retirements } from './retire.ts';
import { encodeSeries, OVERFLOW_LABEL_VALUE as O } from './series.ts';

const H = 3_600_000;
const NOW = Date.UTC(2025, 0, 10);
const groupBy = ['operation'];
const id = (service: string, version: string, operation: string) =>
  encodeSeries({ service, version, dims: [operation] }, groupBy);
const counts = (total: number): Counts => ({ good: total, total, extra: {} });
/** A series with `recent` events in the retire window and `held` in the retention window. */
const series = (s: string, recent: number, held: number, slo = 'avail'): SeriesWindows => ({
  slo,
  series: s,
  windows: [counts(recent), counts(held)],
});
const slos = new Map([['avail', { groupBy, retireAfterMs: 6 * H, retireIndex: 0, heldIndex: 1 }]]);

describe('retirements', () => {
  it("folds each quiet version's series into its service's overflow version of the same groupBy values", () => {
    const folds = retirements(
      [
        series(id('cart', 'v1', 'chat'), 0, 10),
        series(id('cart', 'v1', 'embeddings'), 0, 5),
        series(id('cart', 'v2', 'chat'), 3, 10),
        // Already folded, overflow series, aged out, another groupBy, an unknown SLO: left alone.
        series(id('cart', O, 'chat'), 0, 10),
        series(id('cart', O, O), 0, 10),
        series(id(O, O, O), 0, 10),
        series(id('cart', 'v0', 'chat'), 0, 0),
        series(encodeSeries({ service: 'cart', version: 'v1', dims: ['x'] }, ['model']), 0, 10),
        series(id('cart', 'v1', 'chat'), 0, 10, 'dropped'),
      ],
      slos,
      NOW,
    );
    assert.deepEqual(folds, [
      { slo: 'avail', from: id('cart', 'v1', 'chat'), to: id('cart', O, 'chat'), quietSinceMs: NOW - 6 * H },
      {
        slo: 'avail',
        from: id('cart', 'v1', 'embeddings'),
        to: id('cart', O, 'embeddings'),
        quietSinceMs: NOW - 6 * H,
      },
    ]);
  });
});
